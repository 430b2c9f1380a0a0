package graphqlapi

import (
	"context"
	"errors"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/graphqlapi/internal/generated"
)

// resolver holds the resolvers' dependencies; it implements the generated
// ResolverRoot.
type resolver struct {
	backend Backend
}

func (r *resolver) Query() generated.QueryResolver               { return (*queryResolver)(r) }
func (r *resolver) Mutation() generated.MutationResolver         { return (*mutationResolver)(r) }
func (r *resolver) Subscription() generated.SubscriptionResolver { return (*subscriptionResolver)(r) }

type (
	queryResolver        resolver
	mutationResolver     resolver
	subscriptionResolver resolver
)

func (r *queryResolver) GetArticles(ctx context.Context, limit, offset *int, author, tag, search *string) ([]*articles.Article, error) {
	// GraphQL returns no total: skip counting where the backend can.
	q := articles.ListQuery{Limit: deref(limit), Offset: deref(offset), Author: deref(author), Tag: deref(tag),
		Search: deref(search), SkipTotal: true}
	if limit != nil && *limit <= 0 {
		// The REST API's default applies to an omitted limit, not to a zero one.
		q.Limit = -1
	}
	page, err := r.backend.List(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]*articles.Article, len(page.Articles))
	for i := range page.Articles {
		out[i] = &page.Articles[i]
	}
	return out, nil
}

func (r *queryResolver) GetArticle(ctx context.Context, id int64) (*articles.Article, error) {
	a, err := r.backend.Get(ctx, id)
	if errors.Is(err, articles.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (r *mutationResolver) CreateArticle(ctx context.Context, input articles.Draft) (*articles.Article, error) {
	a, err := r.backend.Create(ctx, input)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (r *mutationResolver) UpdateArticle(ctx context.Context, id int64, input articles.Draft, expectedVersion *int) (*articles.Article, error) {
	var expected int64
	if expectedVersion != nil {
		if *expectedVersion <= 0 {
			return nil, &articles.ValidationError{Fields: []articles.FieldError{{
				Field: "expectedVersion", Code: "out_of_range", Message: "must be positive"}}}
		}
		expected = int64(*expectedVersion)
	}
	a, err := r.backend.Update(ctx, id, input, expected)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (r *mutationResolver) DeleteArticle(ctx context.Context, id int64) (bool, error) {
	switch err := r.backend.Delete(ctx, id, 0); {
	case errors.Is(err, articles.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

func (r *subscriptionResolver) ArticleChanged(ctx context.Context, id *int64) (<-chan *generated.ArticleChange, error) {
	changes, err := r.backend.Changes(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *generated.ArticleChange, 1)
	go func() {
		defer close(out)
		for c := range changes {
			if id != nil && c.Article.ID != *id {
				continue
			}
			select {
			case out <- changeOf(c):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func changeOf(c articles.Change) *generated.ArticleChange {
	out := &generated.ArticleChange{ID: c.Article.ID, Version: int(c.Article.Version)}
	switch c.Type {
	case articles.Created:
		out.Type = generated.ChangeTypeCreated
	case articles.Updated:
		out.Type = generated.ChangeTypeUpdated
	case articles.Deleted:
		out.Type = generated.ChangeTypeDeleted
	}
	if c.Type != articles.Deleted {
		a := c.Article
		out.Article = &a
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

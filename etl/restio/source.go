package restio

import (
	"context"
	"encoding/json"
	"errors"
	"iter"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/etl"
)

// Lister pages through articles: the REST client's All.
type Lister interface {
	All(ctx context.Context, q articles.ListQuery) iter.Seq2[articles.Article, error]
}

// Articles is a source: every article the REST API lists (GET /articles,
// page by page), filtered by Query's author and tag, as rows of
// ArticleSchema with tags as a JSON array.
type Articles struct {
	Client Lister
	Query  articles.ListQuery
}

// Plan declares ArticleSchema.
func (a *Articles) Plan(context.Context, etl.Schemas) (etl.Schemas, error) {
	if a.Client == nil {
		return nil, errors.New("articles: no client")
	}
	return etl.Schemas{etl.Main: ArticleSchema}, nil
}

// Run emits the articles.
func (a *Articles) Run(ctx context.Context, _ etl.Inputs, out etl.Outputs) error {
	o := out.Port(etl.Main)
	for art, err := range a.Client.All(ctx, a.Query) {
		if err != nil {
			return err
		}
		tags, err := json.Marshal(art.Tags)
		if err != nil {
			return err
		}
		row := etl.Row{art.ID, art.Title, art.Content, art.Author, string(tags), art.CreatedAt, art.UpdatedAt, art.Version}
		if err := o.Emit(ctx, row); err != nil {
			return err
		}
	}
	return nil
}

package graphqlapi

import (
	"context"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/restapi/client"
)

// Backend is what the resolvers call. Two implementations exist and pass
// the same tests: REST, which calls the REST API over HTTP as the original
// design did, and InProcess, which calls an *articles.Service directly.
type Backend interface {
	Get(ctx context.Context, id int64) (articles.Article, error)
	List(ctx context.Context, q articles.ListQuery) (articles.Page, error)
	Create(ctx context.Context, d articles.Draft) (articles.Article, error)
	Update(ctx context.Context, id int64, d articles.Draft, expectedVersion int64) (articles.Article, error)
	Delete(ctx context.Context, id int64, expectedVersion int64) error
	// Changes streams committed changes until ctx ends or the feed does.
	Changes(ctx context.Context) (<-chan articles.Change, error)
}

// InProcess returns a Backend that calls svc in this process.
func InProcess(svc *articles.Service) Backend { return svc }

// REST returns a Backend that calls the REST API at baseURL, e.g.
// http://localhost:5000.
func REST(baseURL string, opts ...client.Option) (Backend, error) {
	c, err := client.New(baseURL, opts...)
	if err != nil {
		return nil, err // not a typed nil inside the interface
	}
	return c, nil
}

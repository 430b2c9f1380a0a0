package client

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/restapi"
)

// Replicate applies a replicated change on the server: a PUT of the article,
// or a DELETE for a deletion, carrying the change's version (and the
// source's timestamps) so that the server refuses a stale write. A refused
// stale write is not an error: it reports articles.Stale.
func (c *Client) Replicate(ctx context.Context, ch articles.Change) (articles.ApplyResult, error) {
	a := ch.Article
	h := http.Header{}
	h.Set(restapi.ArticleVersionHeader, strconv.FormatInt(a.Version, 10))
	if !a.CreatedAt.IsZero() {
		h.Set(restapi.ArticleCreatedAtHeader, a.CreatedAt.UTC().Format(time.RFC3339Nano))
	}
	if !a.UpdatedAt.IsZero() {
		h.Set(restapi.ArticleUpdatedAtHeader, a.UpdatedAt.UTC().Format(time.RFC3339Nano))
	}
	var err error
	if ch.Type == articles.Deleted {
		_, err = c.call(ctx, http.MethodDelete, articlePath(a.ID), nil, h, nil)
	} else {
		_, err = c.call(ctx, http.MethodPut, articlePath(a.ID), a.Draft(), h, nil)
	}
	var stale *staleError
	switch {
	case errors.As(err, &stale):
		return articles.Stale, nil
	case err != nil:
		return 0, err
	}
	return articles.Applied, nil
}

// staleError is the server's refusal of a stale replicated change.
type staleError struct{ answer error }

func (e *staleError) Error() string { return e.answer.Error() }
func (e *staleError) Unwrap() error { return e.answer }

package kafkasync

import (
	"context"
	"sync"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/restapi/client"
)

// Applier applies replicated changes to a target. *articles.Service is one
// (the store applier); RESTApplier is the other.
//
// ApplyBatch applies changes in order and returns their results. On
// failure the error is an *articles.ChangeError naming the change that
// failed, and the results cover the changes applied before it (a zero
// result: not applied); any other error means nothing was applied.
type Applier interface {
	ApplyBatch(ctx context.Context, changes []articles.Change) ([]articles.ApplyResult, error)
}

// Replicator applies one replicated change; *client.Client is one.
type Replicator interface {
	Replicate(ctx context.Context, ch articles.Change) (articles.ApplyResult, error)
}

// RESTApplier applies changes through the target's REST API, as the
// original design did: a PUT or DELETE per change carrying its version, so
// that the target refuses stale writes. One article's changes go one after
// another; different articles' go concurrently.
type RESTApplier struct {
	target      Replicator
	concurrency int
}

// NewRESTApplier returns an applier calling target with up to concurrency
// requests at a time (16 when zero).
func NewRESTApplier(target Replicator, concurrency int) *RESTApplier {
	if concurrency <= 0 {
		concurrency = 16
	}
	return &RESTApplier{target: target, concurrency: concurrency}
}

// NewRESTApplierURL returns a RESTApplier for the REST API at baseURL.
func NewRESTApplierURL(baseURL string) (*RESTApplier, error) {
	c, err := client.New(baseURL)
	if err != nil {
		return nil, err
	}
	return NewRESTApplier(c, 0), nil
}

// ApplyBatch implements Applier.
func (a *RESTApplier) ApplyBatch(ctx context.Context, changes []articles.Change) ([]articles.ApplyResult, error) {
	// Group by article, keeping each article's changes in order.
	groups := map[int64][]int{}
	var order []int64
	for i, ch := range changes {
		id := ch.Article.ID
		if _, ok := groups[id]; !ok {
			order = append(order, id)
		}
		groups[id] = append(groups[id], i)
	}
	results := make([]articles.ApplyResult, len(changes))
	failed := make([]error, len(changes))
	sem := make(chan struct{}, a.concurrency)
	var wg sync.WaitGroup
	for _, id := range order {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for _, i := range groups[id] {
				r, err := a.target.Replicate(ctx, changes[i])
				if err != nil {
					failed[i] = err
					return // the article's later changes wait for this one
				}
				results[i] = r
			}
		})
	}
	wg.Wait()
	for i, err := range failed {
		if err != nil {
			return results, &articles.ChangeError{Index: i, Err: err}
		}
	}
	return results, nil
}

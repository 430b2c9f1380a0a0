package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/articlekit/articlekit/articles"
)

// Replicated changes over HTTP follow Service.Apply: newer versions are
// applied with the source's timestamps, older ones are refused as stale.
func TestReplicate(t *testing.T) {
	c, svc, _ := newClient(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 890000000, time.UTC)
	v := func(typ articles.ChangeType, version int64, title string) articles.Change {
		return articles.Change{Type: typ, Article: articles.Article{ID: 1 << 50, Title: title, Tags: []string{"r"},
			CreatedAt: t0, UpdatedAt: t0.Add(time.Duration(version) * time.Minute), Version: version}}
	}
	steps := []struct {
		change articles.Change
		want   articles.ApplyResult
	}{
		{v(articles.Updated, 2, "v2"), articles.Applied},
		{v(articles.Created, 1, "v1"), articles.Stale},
		{v(articles.Updated, 2, "v2 again"), articles.Stale},
		{v(articles.Deleted, 3, ""), articles.Applied},
		{v(articles.Updated, 2, "v2 late"), articles.Stale},
		{v(articles.Created, 4, "back"), articles.Applied},
	}
	for i, s := range steps {
		got, err := c.Replicate(ctx, s.change)
		if err != nil || got != s.want {
			t.Fatalf("step %d: Replicate(%s v%d) = %v, %v; want %v", i, s.change.Type, s.change.Article.Version, got, err, s.want)
		}
	}
	a, err := svc.Get(ctx, 1<<50)
	if err != nil || a.Title != "back" || a.Version != 4 || !a.CreatedAt.Equal(t0) || !a.UpdatedAt.Equal(t0.Add(4*time.Minute)) {
		t.Fatalf("replica = %+v, %v; want version 4 with the source's timestamps", a, err)
	}
	// A deletion of an unknown article leaves a tombstone.
	if got, err := c.Replicate(ctx, articles.Change{Type: articles.Deleted, Article: articles.Article{ID: 42_000, Version: 7}}); err != nil || got != articles.Applied {
		t.Fatalf("Replicate(delete unknown) = %v, %v", got, err)
	}
	if got, _ := c.Replicate(ctx, articles.Change{Type: articles.Created, Article: articles.Article{ID: 42_000, Title: "x", Version: 6}}); got != articles.Stale {
		t.Fatalf("Replicate(older than the tombstone) = %v, want stale", got)
	}
	// An invalid replicated change is refused as such.
	var verr *articles.ValidationError
	if _, err := c.Replicate(ctx, v(articles.Updated, 9, "")); !errors.As(err, &verr) {
		t.Fatalf("Replicate(invalid) = %v, want a validation error", err)
	}
}

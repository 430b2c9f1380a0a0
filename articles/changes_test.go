package articles_test

import (
	"context"
	"testing"
	"time"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
)

func TestChanges(t *testing.T) {
	svc := articlestest.NewService(t, "sqlite://:memory:")
	ctx, cancel := context.WithCancel(context.Background())
	changes, err := svc.Changes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := articlestest.MustCreate(t, svc, articles.Draft{Title: "live"})
	if _, err := svc.Update(ctx, a.ID, articles.Draft{Title: "live 2"}, 0); err != nil {
		t.Fatal(err)
	}
	_, _ = svc.Update(ctx, a.ID, articles.Draft{Title: "conflict"}, 99) // fails: no change
	if err := svc.Delete(ctx, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	replicated := articles.Change{Type: articles.Created, Article: articles.Article{ID: 500, Title: "r", Version: 3}}
	_, _ = svc.Apply(ctx, replicated)
	_, _ = svc.Apply(ctx, replicated) // stale: no change
	want := []struct {
		typ     articles.ChangeType
		id, ver int64
		title   string
	}{{articles.Created, a.ID, 1, "live"}, {articles.Updated, a.ID, 2, "live 2"}, {articles.Deleted, a.ID, 3, ""}, {articles.Created, 500, 3, "r"}}
	for i, w := range want {
		select {
		case c := <-changes:
			if c.Type != w.typ || c.Article.ID != w.id || c.Article.Version != w.ver || c.Article.Title != w.title {
				t.Fatalf("change %d = %s %+v, want %+v", i, c.Type, c.Article, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("change %d never arrived", i)
		}
	}
	select {
	case c := <-changes:
		t.Fatalf("unexpected change %+v", c)
	default:
	}
	cancel()
	if _, open := <-changes; open {
		t.Fatal("channel still open after the context ended")
	}
}

func TestChangesDropSlowSubscribers(t *testing.T) {
	svc := articlestest.NewService(t, "sqlite://:memory:")
	slow, _ := svc.Changes(context.Background())
	ctx := context.Background()
	for i := range articles.ChangeBuffer + 1 {
		_, _ = svc.Apply(ctx, articles.Change{Type: articles.Created, Article: articles.Article{ID: int64(i + 1), Title: "x", Version: 1}})
	}
	n := 0
	for range slow {
		n++
	}
	if n != articles.ChangeBuffer {
		t.Fatalf("slow subscriber got %d changes before being dropped, want %d", n, articles.ChangeBuffer)
	}
}

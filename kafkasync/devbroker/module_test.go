package devbroker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
)

// Changes published to an earlier development broker, which took them
// along when its process ended, reach the replica after a restart: Module
// republishes the source's articles on start.
func TestModuleCatchesUpOnStart(t *testing.T) {
	dir := t.TempDir()
	srcURL, dstURL := "sqlite://"+dir+"/a.db", "sqlite://"+dir+"/b.db"
	ctx := context.Background()

	// A has changes its outbox counts as published, B has none of them: a
	// broker got them and was lost with its process before the consumer
	// applied them.
	store := articlestest.NewStore(t, srcURL)
	src := articles.NewService(store)
	var ids []int64
	for i := range 50 {
		a, err := src.Create(ctx, articles.Draft{Title: fmt.Sprint("published, then lost ", i)})
		if err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			if a, err = src.Update(ctx, a.ID, articles.Draft{Title: fmt.Sprint("edited ", i)}, a.Version); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, a.ID)
	}
	if err := src.Delete(ctx, ids[1], 0); err != nil {
		t.Fatal(err)
	}
	events, err := store.Outbox().Pending(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seqs := make([]int64, len(events))
	for i, ev := range events {
		seqs[i] = ev.Seq
	}
	if err := store.Outbox().MarkPublished(ctx, time.Now(), seqs...); err != nil {
		t.Fatal(err)
	}
	want := states(t, src)
	dst := articlestest.NewService(t, dstURL)

	app := fxtest.New(t,
		fx.Supply(zaptest.NewLogger(t), articles.Config{DatabaseURL: srcURL}, kafkasync.Config{Topic: "catch-up"}),
		articles.Module, devbroker.Module, kafkasync.Module,
		fx.Provide(func(lc fx.Lifecycle) (kafkasync.Applier, error) {
			return articles.Open(lc, articles.Config{DatabaseURL: dstURL})
		}))
	app.RequireStart()
	defer app.RequireStop()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got := states(t, dst)
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("B has %d of A's %d articles' current states", len(got), len(want))
		}
	}
}

// states lists svc's articles, tombstones included, as type, id, version
// and title.
func states(t *testing.T, svc *articles.Service) []string {
	t.Helper()
	page, err := svc.Snapshot(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ch := range page {
		out = append(out, fmt.Sprintf("%s %d v%d %q", ch.Type, ch.Article.ID, ch.Article.Version, ch.Article.Title))
	}
	return out
}

package articles_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
)

func TestMigrateTwiceAndConcurrently(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		ctx := context.Background()
		// Separate stores have separate pools and sessions, as separate
		// processes would: the migration lock must serialise them.
		const starters = 4
		stores := make([]*articles.Store, starters)
		for i := range stores {
			s, err := articles.OpenStore(articles.Config{DatabaseURL: url}, articles.WithLogger(zaptest.NewLogger(t)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			stores[i] = s
		}
		var wg sync.WaitGroup
		errs := make([]error, starters)
		for i, s := range stores {
			wg.Go(func() { errs[i] = s.Migrate(ctx) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("concurrent Migrate %d: %v", i, err)
			}
		}
		if err := stores[0].Migrate(ctx); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
		applied, err := stores[0].DB().Read.NewSelect().Table("articlekit_migrations").Count(ctx)
		files, _ := filepath.Glob(filepath.Join("migrations", string(stores[0].DB().Dialect), "*.up.sql"))
		if err != nil || applied != int64(len(files)) || len(files) == 0 {
			t.Fatalf("migrations recorded = %d, %v; want each of the %d migrations exactly once", applied, err, len(files))
		}
		svc := articles.NewService(stores[1])
		if _, err := svc.Create(ctx, articles.Draft{Title: "works"}); err != nil {
			t.Fatalf("Create after migration: %v", err)
		}
	})
}

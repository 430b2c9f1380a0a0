package articles_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/metrics"
)

func TestModuleMigratesAndPrunes(t *testing.T) {
	var svc *articles.Service
	var store *articles.Store
	app := fxtest.New(t,
		fx.Supply(zaptest.NewLogger(t), articles.Config{
			DatabaseURL:         "sqlite://" + filepath.Join(t.TempDir(), "m.db"),
			OutboxRetention:     time.Millisecond,
			OutboxPruneInterval: 10 * time.Millisecond,
		}),
		metrics.Module,
		articles.Module,
		fx.Populate(&svc, &store),
	)
	app.RequireStart()
	defer app.RequireStop()

	ctx := context.Background()
	a, err := svc.Create(ctx, articles.Draft{Title: "pruned later"})
	if err != nil {
		t.Fatalf("Create after start (schema migrated on start): %v", err)
	}
	outbox := store.Outbox()
	events, err := outbox.Pending(ctx, 10)
	if err != nil || len(events) != 1 || events[0].ArticleID != a.ID {
		t.Fatalf("Pending = %+v, %v", events, err)
	}
	if err := outbox.MarkPublished(ctx, time.Now(), events[0].Seq); err != nil {
		t.Fatal(err)
	}
	// The pruner deletes the published event once it is past retention.
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := store.DB().Read.NewSelect().Table("article_outbox").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("published event not pruned after 5s (%d rows left)", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg     articles.Config
		wantErr string
	}{
		{articles.Config{}, ""},
		{articles.Config{DatabaseURL: "postgres://x", OutboxRetention: -1}, ""},
		{articles.Config{DatabaseURL: "articles.db"}, "DatabaseURL"},
		{articles.Config{MaxOpenConns: -1, OutboxPruneInterval: -time.Second}, "MaxOpenConns"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("Validate(%+v) = %v, want error containing %q", tt.cfg, err, tt.wantErr)
		}
	}
	if got := (articles.Config{}).WithDefaults(); got.DatabaseURL != articles.DefaultDatabaseURL ||
		got.OutboxRetention != articles.DefaultOutboxRetention || got.OutboxPruneInterval != articles.DefaultOutboxPruneInterval {
		t.Errorf("WithDefaults = %+v", got)
	}
	if _, err := articles.OpenStore(articles.Config{DatabaseURL: "nope"}); err == nil {
		t.Error("OpenStore accepted an invalid config")
	}
}

package kafkasync_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/metrics"
)

// The module relays A's changes through the embedded broker into B.
func TestModule(t *testing.T) {
	dir := t.TempDir()
	var svc *articles.Service
	app := fxtest.New(t,
		fx.Supply(zaptest.NewLogger(t),
			articles.Config{DatabaseURL: "sqlite://" + dir + "/a.db"},
			kafkasync.Config{TargetDatabaseURL: "sqlite://" + dir + "/b.db"},
		),
		metrics.Module, articles.Module, kafkasync.Module,
		fx.Populate(&svc),
	)
	app.RequireStart()
	defer app.RequireStop()
	ctx := context.Background()
	a, err := svc.Create(ctx, articles.Draft{Title: "through the module"})
	if err != nil {
		t.Fatal(err)
	}
	replica := articlestest.NewService(t, "sqlite://"+dir+"/b.db")
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := replica.Get(ctx, a.ID)
		if err == nil && got.Title == a.Title && got.Version == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("B never got the article: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, bad := range []kafkasync.Config{
		{Applier: "kafka"}, {TargetURL: "ftp://x"}, {Partitions: -1}, {RelayPoll: -time.Second},
		{Topic: "t", DLQTopic: "t"}, {Applier: kafkasync.ApplierREST},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", bad)
		}
	}
	for _, good := range []kafkasync.Config{{}, {Applier: kafkasync.ApplierREST, TargetURL: "http://127.0.0.1:5001"}} {
		if err := good.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", good, err)
		}
	}
	d := kafkasync.Config{}.WithDefaults()
	if d.Topic != "articles-sync" || d.DLQTopic != "articles-sync.dlq" || d.GroupID != "articlekit-sync" {
		t.Fatalf("defaults %+v", d)
	}
}

package kafkasync_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
	"github.com/articlekit/articlekit/metrics"
)

// replicaAt provides the consumer's Applier: the Service of the database
// at url, opened and closed with the app.
func replicaAt(url string) fx.Option {
	return fx.Provide(func(lc fx.Lifecycle) (kafkasync.Applier, error) {
		return articles.Open(lc, articles.Config{DatabaseURL: url})
	})
}

// The module relays A's changes through the embedded broker into B.
func TestModule(t *testing.T) {
	dir := t.TempDir()
	options := fx.Options(
		fx.Supply(zaptest.NewLogger(t), articles.Config{DatabaseURL: "sqlite://" + dir + "/a.db"}, kafkasync.Config{}),
		metrics.Module, articles.Module, devbroker.Module, kafkasync.Module, replicaAt("sqlite://"+dir+"/b.db"),
	)
	if err := fx.ValidateApp(options); err != nil {
		t.Fatal(err)
	}
	var svc *articles.Service
	app := fxtest.New(t, options, fx.Populate(&svc))
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

// Without brokers the modules refuse to start, naming what to set; none
// falls back to an in-memory broker by itself.
func TestModuleWithoutBrokers(t *testing.T) {
	dir := t.TempDir()
	for name, module := range map[string]fx.Option{
		"Module":         fx.Options(kafkasync.Module, replicaAt("sqlite://"+dir+"/b.db")),
		"RelayModule":    kafkasync.RelayModule,
		"ConsumerModule": fx.Options(kafkasync.ConsumerModule, replicaAt("sqlite://"+dir+"/b.db")),
	} {
		t.Run(name, func(t *testing.T) {
			app := fx.New(fx.NopLogger,
				fx.Supply(zaptest.NewLogger(t), articles.Config{DatabaseURL: "sqlite://" + dir + "/a.db"}, kafkasync.Config{}),
				articles.Module, module)
			err := app.Err()
			if !errors.Is(err, kafkasync.ErrNoBrokers) || !strings.Contains(err.Error(), "KAFKA_BROKERS") ||
				!strings.Contains(err.Error(), "devbroker.Module") {
				t.Fatalf("start without brokers: %v, want ErrNoBrokers naming KAFKA_BROKERS and devbroker.Module", err)
			}
		})
	}
}

// devbroker.Module steps aside when brokers are configured.
func TestDevBrokerModuleKeepsConfiguredBrokers(t *testing.T) {
	var got kafkasync.Brokers
	app := fxtest.New(t,
		fx.Supply(zaptest.NewLogger(t), kafkasync.Config{Brokers: []string{"127.0.0.1:1"}}),
		devbroker.Module, fx.Populate(&got))
	app.RequireStart().RequireStop()
	if len(got) != 1 || got[0] != "127.0.0.1:1" {
		t.Fatalf("Brokers = %v, want the configured one", got)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, bad := range []kafkasync.Config{
		{Partitions: -1}, {RelayPoll: -time.Second}, {Topic: "t", DLQTopic: "t"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", bad)
		}
	}
	for _, good := range []kafkasync.Config{{}, {Brokers: []string{"127.0.0.1:9092"}}} {
		if err := good.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", good, err)
		}
	}
	d := kafkasync.Config{}.WithDefaults()
	if d.Topic != "articles-sync" || d.DLQTopic != "articles-sync.dlq" || d.GroupID != "articlekit-sync" {
		t.Fatalf("defaults %+v", d)
	}
}

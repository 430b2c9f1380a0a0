// Command kafkasync runs the whole sync in one process: the REST API over
// database A, the relay publishing A's outbox to Kafka, and the consumer
// applying the events to database B.
//
// Environment: DATABASE_URL (A, default sqlite://articles.db), REST_ADDR
// (default :5000), KAFKA_BROKERS (without it: an embedded development broker),
// SYNC_APPLIER (store, the default, writes SYNC_TARGET_DATABASE_URL, default
// sqlite://articles-replica.db; rest calls SYNC_TARGET_URL), LOG_LEVEL; see
// the README for the rest.
package main

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
)

type config struct {
	Articles articles.Config
	REST     restapi.Config
	Sync     kafkasync.Config
	Target   app.SyncTarget
	Logging  app.Logging
}

func main() {
	var cfg config
	app.ParseFlags("kafkasync", `The REST API over database A, the outbox relay to Kafka and the consumer applying to database B, in one process.`, cfg)
	if err := app.LoadEnv(&cfg); err != nil {
		app.Fatal(err)
	}
	log, err := app.NewLogger(cfg.Logging)
	if err != nil {
		app.Fatal(err)
	}
	app.Serve(fx.New(modules(cfg, log), app.WithLogger()), log)
}

// modules composes the program from its configuration.
func modules(cfg config, log *zap.Logger) fx.Option {
	return fx.Options(
		fx.Supply(cfg.Articles, cfg.REST, cfg.Sync, log),
		metrics.Module,
		articles.Module,
		restapi.Module,
		devbroker.Module, // steps aside when KAFKA_BROKERS is set
		kafkasync.Module,
		cfg.Target.Provide(),
	)
}

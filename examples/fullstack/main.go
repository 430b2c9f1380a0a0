// Command fullstack runs all of ArticleKit in one process, on embedded
// defaults, with nothing to install:
//
//   - the REST API on 127.0.0.1:5000 over SQLite (articles.db), with
//     /metrics for Prometheus;
//   - the GraphQL API (GraphiQL at /graphql) on 127.0.0.1:8000, in process;
//   - the Kafka sync: the outbox relay and the consumer, through an embedded
//     Kafka-protocol broker, into a replica (articles-replica.db);
//   - the API gateway in front of both on 127.0.0.1:8280 (HTTP), 8243
//     (HTTPS) and the admin API on 9443, in its development configuration;
//   - the web app at http://127.0.0.1:8280/, through the gateway: the
//     articles, live, and a status page of all of the above;
//   - the ETL: every minute (ETL_EXPORT_EVERY), the articles are read from the REST API,
//     validated by it and exported to articles-export.jsonl (rejects to
//     articles-rejects.jsonl), or the pipelines in ETL_PIPELINES.
//
// Each default gives way to real infrastructure through the same variables
// as the other examples: DATABASE_URL (PostgreSQL, MySQL), KAFKA_BROKERS,
// SYNC_TARGET_DATABASE_URL, GATEWAY_CONFIG, ETL_PIPELINES (YAML or .ktr
// files, comma-separated), and the rest in the README. Once everything
// runs, it prints where everything is: a banner on a terminal, one log line
// otherwise.
package main

import (
	_ "embed"
	"strings"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/built"
	"github.com/articlekit/articlekit/etl/load"
	"github.com/articlekit/articlekit/etl/pipefile"
	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
	"github.com/articlekit/articlekit/restapi/client"
	"github.com/articlekit/articlekit/webapp"
)

type config struct {
	Articles  articles.Config
	REST      restapi.Config
	GraphQL   graphqlapi.Config
	Sync      kafkasync.Config
	Target    app.SyncTarget
	Gateway   app.Gateway
	WebApp    webapp.Config
	Logging   app.Logging
	Pipelines []string `env:"ETL_PIPELINES" envSeparator:","`
	// ExportDir is where the default pipeline writes its files, every
	// ExportEvery.
	ExportDir   string        `env:"ETL_EXPORT_DIR" envDefault:"."`
	ExportEvery time.Duration `env:"ETL_EXPORT_EVERY" envDefault:"1m"`
}

func defaults() config {
	return config{
		Articles: articles.Config{DatabaseURL: "sqlite://articles.db"},
		REST:     restapi.Config{Addr: "127.0.0.1:5000"},
		GraphQL:  graphqlapi.Config{Addr: "127.0.0.1:8000"},
		WebApp:   webapp.Config{Addr: webapp.DefaultAddr},
		Target:   app.SyncTarget{Applier: "store", DatabaseURL: "sqlite://articles-replica.db"},
	}
}

func main() {
	cfg := defaults()
	app.ParseFlags("fullstack", `All of ArticleKit in one process on embedded defaults: the REST API, GraphQL, the Kafka sync into a replica,
the gateway in front, and a scheduled ETL export. Each default gives way to real infrastructure through its variable.`, cfg)
	if err := app.LoadEnv(&cfg); err != nil {
		app.Fatal(err)
	}
	if cfg.GraphQL.RESTAPIURL == "" {
		// GraphQL resolves through the REST API, as in the original design
		// (GRAPHQL_BACKEND=inprocess skips the hop).
		cfg.GraphQL.RESTAPIURL = "http://" + cfg.REST.Addr
	}
	log, err := app.NewLogger(cfg.Logging)
	if err != nil {
		app.Fatal(err)
	}
	application, err := newApp(cfg, log)
	if err != nil {
		app.Fatal(err)
	}
	app.Serve(application, log)
}

// newApp composes every module.
func newApp(cfg config, log *zap.Logger) (*fx.App, error) {
	opts, err := modules(cfg, log)
	if err != nil {
		return nil, err
	}
	if cfg.Gateway.File == "" {
		log.Warn("GATEWAY_CONFIG is not set: the gateway runs a development configuration with a development API key and admin password")
	}
	application := fx.New(opts, app.WithLogger())
	// A pipeline that does not load fails here, before the app starts.
	if err := application.Err(); err != nil {
		return nil, err
	}
	return application, nil
}

// modules composes the program from its configuration.
func modules(cfg config, log *zap.Logger) (fx.Option, error) {
	gw, err := cfg.Gateway.Config(cfg.REST.Addr, cfg.GraphQL.Addr, cfg.WebApp.Addr)
	if err != nil {
		return nil, err
	}
	return fx.Options(
		fx.Supply(cfg.Articles, cfg.REST, cfg.GraphQL, cfg.Sync, gw, cfg.Gateway.WebApp(cfg.WebApp), log),
		metrics.Module,
		articles.Module,
		restapi.Module,
		graphqlapi.Module,
		devbroker.Module, // steps aside when KAFKA_BROKERS is set
		kafkasync.Module,
		fx.Supply(cfg.Target),
		cfg.Target.Provide(),
		gateway.Module,
		webapp.Module,
		fx.Provide(webapp.AsDatabase(replica)),
		etl.Module,
		pipelines(cfg),
		showBanner(cfg, gw), // last: it prints once everything runs
	), nil
}

// replica is database B for the status page: the sync's target, counted
// through its service or, with SYNC_APPLIER=rest, through its REST API.
func replica(applier kafkasync.Applier, target app.SyncTarget) (webapp.Database, error) {
	db := webapp.Database{Name: "B", Role: "replica"}
	if lister, ok := applier.(webapp.Lister); ok {
		db.Articles = lister
		return db, nil
	}
	c, err := client.New(target.URL)
	db.Articles = c
	return db, err
}

//go:embed export.yaml
var exportPipeline string

// pipelines contributes ETL_PIPELINES to etl.Module, or the default export.
func pipelines(cfg config) fx.Option {
	if len(cfg.Pipelines) > 0 {
		paths := make([]string, len(cfg.Pipelines))
		for i, path := range cfg.Pipelines {
			paths[i] = strings.TrimSpace(path)
		}
		return load.Provide(paths...)
	}
	return fx.Provide(built.AsPipeline(func() (*built.Pipeline, error) {
		vars := map[string]string{"REST_URL": "http://" + cfg.REST.Addr, "EXPORT_DIR": cfg.ExportDir, "EXPORT_EVERY": cfg.ExportEvery.String()}
		file, err := pipefile.Parse(strings.NewReader(exportPipeline), func(name string) (string, bool) {
			v, ok := vars[name]
			return v, ok
		})
		if err != nil {
			return nil, err
		}
		return file.Build(false)
	}))
}

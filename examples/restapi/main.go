// Command restapi is the smallest useful ArticleKit program: the article
// store, the REST API and its metrics, composed with fx.
//
// Environment: DATABASE_URL (default sqlite://articles.db), REST_ADDR
// (default :5000), LOG_LEVEL (default info); see the README for the rest.
package main

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
)

type config struct {
	Articles articles.Config
	REST     restapi.Config
	Logging  app.Logging
}

func main() {
	var cfg config
	app.ParseFlags("restapi", `The article store, the REST API and its metrics, composed with fx.`, cfg)
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
		fx.Supply(cfg.Articles, cfg.REST, log),
		metrics.Module,
		articles.Module,
		restapi.Module,
	)
}

// Command graphql runs the GraphQL API next to the REST API in one process,
// composed with fx: GraphiQL at http://localhost:8000/graphql.
//
// Environment: DATABASE_URL (default sqlite://articles.db), REST_ADDR
// (default :5000), GRAPHQL_ADDR (default :8000), GRAPHQL_BACKEND (rest, the
// default, calls the REST API at REST_API_URL, default
// http://localhost:5000; inprocess calls the article service directly),
// LOG_LEVEL; see the README for the rest.
package main

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
)

type config struct {
	Articles articles.Config
	REST     restapi.Config
	GraphQL  graphqlapi.Config
	Logging  app.Logging
}

func main() {
	var cfg config
	app.ParseFlags("graphql", `The REST API and the GraphQL API (resolving through it) in one process.`, cfg)
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
		fx.Supply(cfg.Articles, cfg.REST, cfg.GraphQL, log),
		metrics.Module,
		articles.Module,
		restapi.Module,
		graphqlapi.Module,
	)
}

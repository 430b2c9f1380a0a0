// Command gateway runs the REST and GraphQL APIs and the web app behind
// the ArticleKit gateway in one process: API traffic and the web app (at
// /) on :8280 (HTTP) and :8243 (HTTPS, a self-signed development
// certificate unless configured), the admin API on :9443.
//
// Environment: GATEWAY_CONFIG, a YAML file (see the README); without it a
// development configuration routes /articles (reads open to anyone, writes
// with the API key GATEWAY_DEV_API_KEY) and /graphql to the APIs in this
// process, / and /app/ to the web app (its own listener: WEBAPP_ADDR, default
// 127.0.0.1:8300), with the admin user "admin" and password GATEWAY_DEV_ADMIN_PASSWORD.
// DATABASE_URL, REST_ADDR (default 127.0.0.1:5000), GRAPHQL_ADDR (default
// 127.0.0.1:8000), GRAPHQL_BACKEND, LOG_LEVEL as for the other examples.
package main

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
	"github.com/articlekit/articlekit/webapp"
)

type config struct {
	Articles articles.Config
	REST     restapi.Config
	GraphQL  graphqlapi.Config
	Logging  app.Logging
	Gateway  app.Gateway
	WebApp   webapp.Config
}

func main() {
	cfg := config{REST: restapi.Config{Addr: "127.0.0.1:5000"}, GraphQL: graphqlapi.Config{Addr: "127.0.0.1:8000"},
		WebApp: webapp.Config{Addr: webapp.DefaultAddr}}
	app.ParseFlags("gateway", `The REST and GraphQL APIs and the web app behind the ArticleKit gateway, in one process.`, cfg)
	if err := app.LoadEnv(&cfg); err != nil {
		app.Fatal(err)
	}
	log, err := app.NewLogger(cfg.Logging)
	if err != nil {
		app.Fatal(err)
	}
	gw, err := cfg.Gateway.Config(cfg.REST.Addr, cfg.GraphQL.Addr, cfg.WebApp.Addr)
	if err != nil {
		app.Fatal(err)
	}
	if cfg.Gateway.File == "" {
		log.Warn("GATEWAY_CONFIG is not set: a development configuration with a development API key and admin password")
	}
	app.Serve(fx.New(modules(cfg, gw, log), app.WithLogger()), log)
}

// modules composes the program from its configuration.
func modules(cfg config, gw gateway.Config, log *zap.Logger) fx.Option {
	return fx.Options(
		fx.Supply(cfg.Articles, cfg.REST, cfg.GraphQL, gw, cfg.Gateway.WebApp(cfg.WebApp), log),
		metrics.Module,
		articles.Module,
		restapi.Module,
		graphqlapi.Module,
		gateway.Module,
		webapp.Module,
	)
}

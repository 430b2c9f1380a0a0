package restapi

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/metrics"
)

// Module serves the REST API on Config.Addr, which the program supplies,
// for the Articles in the graph: by default the *articles.Service of
// articles.Module (a program wraps it with fx.Decorate, for a cache or
// tracing, say). It records
// request metrics and serves /metrics when metrics.Module is present, and
// adds the routes contributed with AsRoute. The listener is bound on start,
// so a busy port fails start-up; stop drains in-flight requests.
var Module = fx.Module("restapi",
	fx.Provide(
		fx.Annotate(func(s *articles.Service) *articles.Service { return s }, fx.As(new(Articles))),
		newModuleAPI,
	),
	fx.Invoke(serve),
)

const routesGroup = `group:"restapi.routes"`

// AsRoute annotates a constructor of a Route so that Module serves it:
//
//	fx.Provide(restapi.AsRoute(func() restapi.Route {
//		return restapi.Route{Method: "GET", Path: "/version", Handler: versionHandler}
//	}))
func AsRoute(constructor any) any {
	return fx.Annotate(constructor, fx.ResultTags(routesGroup))
}

// Params are the dependencies of Module's API.
type Params struct {
	fx.In

	Config   Config
	Articles Articles
	Logger   *zap.Logger
	Metrics  *metrics.HTTP       `optional:"true"`
	Gatherer prometheus.Gatherer `optional:"true"`
	Routes   []Route             `group:"restapi.routes"`
}

func newModuleAPI(p Params) *API {
	opts := []Option{WithLogger(p.Logger), WithRoutes(p.Routes...)}
	if p.Config.MaxBodyBytes > 0 {
		opts = append(opts, WithMaxBodyBytes(p.Config.MaxBodyBytes))
	}
	if p.Metrics != nil && p.Gatherer != nil {
		opts = append(opts, WithMetrics(p.Metrics, p.Gatherer))
	}
	if p.Config.Replication {
		opts = append(opts, WithReplication())
	}
	return New(p.Articles, opts...)
}

// serve runs the API's server from start to stop.
func serve(lc fx.Lifecycle, cfg Config, api *API, log *zap.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	srv := httpserver.New(cfg.WithDefaults().server(), api, httpserver.WithLogger(log.Named("restapi")))
	lc.Append(fx.Hook{OnStart: func(context.Context) error {
		if err := srv.Start(); err != nil {
			return fmt.Errorf("restapi: %w", err)
		}
		return nil
	}, OnStop: srv.Stop})
	return nil
}

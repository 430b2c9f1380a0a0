package graphqlapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/metrics"
)

// Module serves the GraphQL API on Config.Addr, which the program
// supplies. Config.Backend chooses the backend: "rest" calls the REST API
// at Config.RESTAPIURL; "inprocess" calls the *articles.Service in the
// graph (include articles.Module). With metrics.Module present it records
// HTTP and operation metrics and serves /metrics on its own listener.
var Module = fx.Module("graphqlapi",
	fx.Provide(newModuleBackend, newModuleAPI),
	fx.Invoke(serve),
)

// Params are the dependencies of Module.
type Params struct {
	fx.In

	Config     Config
	Logger     *zap.Logger
	Articles   *articles.Service     `optional:"true"`
	Metrics    *metrics.HTTP         `optional:"true"`
	Registerer prometheus.Registerer `optional:"true"`
	Gatherer   prometheus.Gatherer   `optional:"true"`
}

func newModuleBackend(p Params) (Backend, error) {
	cfg := p.Config.WithDefaults()
	switch cfg.Backend {
	case BackendInProcess:
		if p.Articles == nil {
			return nil, errors.New("graphqlapi: the inprocess backend needs an *articles.Service (include articles.Module)")
		}
		return InProcess(p.Articles), nil
	default:
		return REST(cfg.RESTAPIURL)
	}
}

func newModuleAPI(p Params, backend Backend) (*API, error) {
	opts := []Option{WithLogger(p.Logger)}
	if p.Metrics != nil && p.Registerer != nil {
		opts = append(opts, WithMetrics(p.Metrics, p.Registerer))
	}
	if p.Gatherer != nil {
		opts = append(opts, WithMetricsEndpoint(p.Gatherer))
	}
	return New(backend, p.Config, opts...)
}

// serve runs the API's server from start to stop.
func serve(lc fx.Lifecycle, cfg Config, api *API, log *zap.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.WithDefaults()
	// Writing a response may take as long as the operation it answers.
	srv := httpserver.New(httpserver.Config{Addr: cfg.Addr, WriteTimeout: cfg.Timeout + 5*time.Second, DrainPeriod: cfg.DrainPeriod},
		api, httpserver.WithLogger(log.Named("graphqlapi")))
	lc.Append(fx.Hook{OnStart: func(context.Context) error {
		if err := srv.Start(); err != nil {
			return fmt.Errorf("graphqlapi: %w", err)
		}
		return nil
	}, OnStop: srv.Stop})
	return nil
}

package webapp

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/internal/background"
	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/metrics"
)

// Module serves the app on Config.Addr, which the program supplies, with
// a Monitor of what else runs in the process: the metrics registry of
// metrics.Module, the *articles.Service of articles.Module as database
// "A", the databases contributed with AsDatabase, the last runs of
// etl.Module's pipelines. Put the gateway in front (a route to /{$} and
// /app/), so that the page and the APIs share an origin.
var Module = fx.Module("webapp",
	fx.Provide(newModuleMonitor, newModuleApp),
	fx.Invoke(serve),
)

const databasesGroup = `group:"webapp.databases"`

// AsDatabase annotates a constructor of a Database so that Module's
// status page counts its articles.
func AsDatabase(constructor any) any {
	return fx.Annotate(constructor, fx.ResultTags(databasesGroup))
}

type moduleParams struct {
	fx.In

	Config    Config
	Logger    *zap.Logger
	Gatherer  prometheus.Gatherer `optional:"true"`
	Articles  *articles.Service   `optional:"true"`
	ETL       *etl.Metrics        `optional:"true"`
	Databases []Database          `group:"webapp.databases"`
	HTTP      *metrics.HTTP       `optional:"true"`
}

func newModuleMonitor(p moduleParams) *Monitor {
	// A nil *etl.Metrics has no runs: it may stand in the interface.
	cfg := MonitorConfig{Gatherer: p.Gatherer, ETL: p.ETL}
	if p.Articles != nil {
		cfg.Databases = append(cfg.Databases, Database{Name: "A", Role: "source", Articles: p.Articles})
	}
	cfg.Databases = append(cfg.Databases, p.Databases...)
	return NewMonitor(cfg, p.Logger.Named("webapp"))
}

func newModuleApp(p moduleParams, m *Monitor) (*App, error) {
	return New(p.Config, WithMonitor(m), WithLogger(p.Logger.Named("webapp")))
}

// serve runs the app's server and its monitor from start to stop.
func serve(lc fx.Lifecycle, p moduleParams, app *App, m *Monitor) {
	addr := p.Config.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	var handler http.Handler = app
	if p.HTTP != nil {
		handler = p.HTTP.Middleware("webapp", handler)
	}
	log := p.Logger.Named("webapp")
	srv := httpserver.New(httpserver.Config{Addr: addr}, httpserver.Chain(handler, httpserver.RequestID), httpserver.WithLogger(log))
	var sampling background.Group
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			if err := srv.Start(); err != nil {
				return fmt.Errorf("webapp: %w", err)
			}
			sampling.Go(m.Run)
			return nil
		},
		OnStop: func(ctx context.Context) error {
			_ = sampling.Stop(ctx) // a sample takes a Gather: it ends in time
			return srv.Stop(ctx)
		},
	})
}

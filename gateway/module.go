package gateway

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/zap"
)

// Module runs the gateway from a Config the program supplies: its HTTP,
// HTTPS and admin listeners, bound on start (a busy port fails start-up)
// and stopped gracefully, with Metrics on the program's registry.
var Module = fx.Module("gateway",
	fx.Provide(newModuleGateway),
	fx.Invoke(func(*Servers) {}),
	fx.Provide(newModuleServers),
)

// Params are the module's dependencies.
type Params struct {
	fx.In

	Config     Config
	Log        *zap.Logger
	Registerer prometheus.Registerer `optional:"true"`
}

func newModuleGateway(lc fx.Lifecycle, p Params) (*Gateway, error) {
	m, err := NewMetrics(p.Registerer)
	if err != nil {
		return nil, err
	}
	g, err := New(p.Config, WithLogger(p.Log.Named("gateway")), WithMetrics(m))
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(g.Close))
	return g, nil
}

// serversParams are the dependencies of the module's listeners.
type serversParams struct {
	fx.In

	Lifecycle fx.Lifecycle
	Gateway   *Gateway
	Gatherer  prometheus.Gatherer `optional:"true"`
}

func newModuleServers(p serversParams) (*Servers, error) {
	var opts []AdminOption
	if p.Gatherer != nil {
		opts = append(opts, ServingMetrics(p.Gatherer))
	}
	lc, g := p.Lifecycle, p.Gateway
	s, err := NewServers(g, NewAdmin(g, opts...))
	if err != nil {
		return nil, err
	}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { return s.Start() },
		OnStop:  s.Stop,
	})
	return s, nil
}

package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
)

// Module provides a *prometheus.Registry (also as prometheus.Registerer and
// prometheus.Gatherer) and *HTTP, and registers every collector contributed
// with AsCollector.
var Module = fx.Module("metrics",
	fx.Provide(
		NewRegistry,
		func(r *prometheus.Registry) prometheus.Registerer { return r },
		func(r *prometheus.Registry) prometheus.Gatherer { return r },
		NewHTTP,
	),
	fx.Invoke(registerCollectors),
)

const collectorsGroup = `group:"metrics.collectors"`

// AsCollector annotates a constructor of a prometheus.Collector (or of a
// type implementing it) so that Module registers its result:
//
//	fx.Provide(metrics.AsCollector(newQueueCollector))
func AsCollector(constructor any) any {
	return fx.Annotate(constructor, fx.As(new(prometheus.Collector)), fx.ResultTags(collectorsGroup))
}

type collectorParams struct {
	fx.In

	Registerer prometheus.Registerer
	Collectors []prometheus.Collector `group:"metrics.collectors"`
}

func registerCollectors(p collectorParams) error {
	for _, c := range p.Collectors {
		if err := p.Registerer.Register(c); err != nil {
			return err
		}
	}
	return nil
}

package metrics

import (
	"net/http"
	"regexp"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns an empty registry with the Go runtime and process
// collectors registered. Beside the usual go_* metrics it exports
// go_gc_heap_live_bytes, the heap the last collection kept: what grows
// with a leak, where go_memstats_heap_* also count garbage not collected
// yet.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
			collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)})),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Handler serves the metrics g gathers in the Prometheus text format, or
// OpenMetrics when the scraper asks for it.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		// Serve what can be gathered when one collector fails (say, the
		// database is down during a scrape) rather than failing the scrape.
		ErrorHandling: promhttp.ContinueOnError,
	})
}

package webapp_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/webapp"
)

// A registry the size of the fullstack's: HTTP series for 3 servers, 20
// routes and 5 statuses, plus the gateway's and the sync's.
func fullstackLikeRegistry(b *testing.B) *prometheus.Registry {
	reg := metrics.NewRegistry()
	httpTotal := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "h"}, []string{"server", "route", "status"})
	gatewayTotal := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_requests_total", Help: "h"}, []string{"route", "consumer", "status"})
	up := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gateway_upstream_up", Help: "h"}, []string{"upstream", "target"})
	delay := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kafkasync_sync_delay_seconds", Help: "h"})
	reg.MustRegister(httpTotal, gatewayTotal, up, delay)
	for _, server := range []string{"rest", "graphql", "webapp"} {
		for r := range 20 {
			for _, status := range []string{"200", "201", "404", "422", "503"} {
				httpTotal.WithLabelValues(server, "/r"+strconv.Itoa(r), status).Add(float64(r))
				gatewayTotal.WithLabelValues("route"+strconv.Itoa(r), "dev", status).Inc()
			}
		}
	}
	up.WithLabelValues("rest", "http://127.0.0.1:5000").Set(1)
	delay.Observe(0.01)
	return reg
}

// The cost of the status page: a sample every 2 s, and a status.json per
// page every 2 s (the database counts aside, which are the databases').
func BenchmarkMonitor(b *testing.B) {
	reg := fullstackLikeRegistry(b)
	m := webapp.NewMonitor(webapp.MonitorConfig{Gatherer: reg}, nil)
	b.Run("Sample", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Sample()
		}
	})
	for range 300 { // a full window
		m.Sample()
	}
	b.Run("StatusJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(m.Status(context.Background())); err != nil {
				b.Fatal(err)
			}
		}
	})
}

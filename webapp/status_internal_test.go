package webapp

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The series are per-second rates between samples, without the app's own
// traffic; a counter that goes back (a restart) leaves a gap, not a
// negative rate.
func TestSeries(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	httpTotal := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "h"}, []string{"server", "status"})
	gatewayTotal := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_requests_total", Help: "h"}, []string{"route", "status"})
	operations := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "graphql_operations_total", Help: "h"}, []string{"outcome"})
	delay := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kafkasync_sync_delay_seconds", Help: "h"})
	reg.MustRegister(httpTotal, gatewayTotal, operations, delay)

	start := time.Unix(1_800_000_000, 0)
	var samples []sample
	take := func(at time.Duration) {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, readSample(start.Add(at), families))
	}
	take(0)
	httpTotal.WithLabelValues("rest", "200").Add(8)
	httpTotal.WithLabelValues("rest", "503").Add(2)
	httpTotal.WithLabelValues("webapp", "200").Add(100) // the app itself: not charted
	httpTotal.WithLabelValues("graphql", "200").Add(4)
	operations.WithLabelValues("BAD_USER_INPUT").Add(3) // the client's mistake
	operations.WithLabelValues("UNAVAILABLE").Add(1)
	gatewayTotal.WithLabelValues("articles-read", "200").Add(6)
	gatewayTotal.WithLabelValues("webapp-files", "200").Add(50)
	delay.Observe(0.1)
	delay.Observe(0.3)
	take(2 * time.Second)
	take(4 * time.Second)

	s := series(samples)
	if len(s.Time) != 3 || s.Time[1] != start.Add(2*time.Second).Unix() {
		t.Fatalf("time = %v", s.Time)
	}
	want := map[string][2]float64{"gateway": {3, 0}, "graphql": {2, 0.5}, "rest": {5, 1}}
	if len(s.APIs) != len(want) || s.APIs[0].Name != "gateway" || s.APIs[1].Name != "graphql" || s.APIs[2].Name != "rest" {
		t.Fatalf("apis = %+v, want gateway, graphql, rest in that order", s.APIs)
	}
	for _, api := range s.APIs {
		if api.Requests[0] != nil || api.Errors[0] != nil {
			t.Errorf("%s: a rate at the first sample", api.Name)
		}
		if got := [2]float64{*api.Requests[1], *api.Errors[1]}; got != want[api.Name] {
			t.Errorf("%s: requests, errors per second = %v, want %v", api.Name, got, want[api.Name])
		}
		if *api.Requests[2] != 0 {
			t.Errorf("%s: %v requests per second while nothing happened", api.Name, *api.Requests[2])
		}
	}
	if d := s.SyncDelay[1]; d == nil || *d < 0.199 || *d > 0.201 {
		t.Errorf("sync delay = %v, want the mean 0.2", d)
	}
	if s.SyncDelay[2] != nil {
		t.Errorf("sync delay without events = %v, want null", *s.SyncDelay[2])
	}

	restarted := samples[2]
	restarted.at = restarted.at.Add(2 * time.Second)
	restarted.requests = map[string]float64{"rest": 1}
	if r := series(append(samples, restarted)).APIs[2].Requests[3]; r != nil {
		t.Errorf("rate across a reset = %v, want null", *r)
	}
}

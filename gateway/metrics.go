package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gateway's measures:
//
//	gateway_requests_total{route,consumer,status}    counter
//	gateway_upstream_duration_seconds{upstream}      histogram: one attempt
//	gateway_throttled_total{route,limit}             counter: limit is consumer or route
//	gateway_auth_failures_total{route,reason}        counter: unauthenticated, forbidden
//	gateway_upstream_up{upstream,target}             gauge: 1 while the target takes requests
//
// Consumers are the configured ones, "anonymous", or "unknown" for a
// token's unconfigured subject, so labels stay bounded. A nil *Metrics
// records nothing.
type Metrics struct {
	requests  *prometheus.CounterVec
	upstream  *prometheus.HistogramVec
	throttled *prometheus.CounterVec
	authFails *prometheus.CounterVec
	up        *prometheus.GaugeVec
}

// NewMetrics creates the metrics and registers them with reg (nil: keep
// them unregistered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_requests_total", Help: "Requests answered, by route, consumer and status.",
		}, []string{"route", "consumer", "status"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gateway_upstream_duration_seconds", Help: "Duration of upstream attempts, to response headers.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"upstream"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_throttled_total", Help: "Requests refused with 429, by route and the limit reached (consumer, route).",
		}, []string{"route", "limit"}),
		authFails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_auth_failures_total", Help: "Requests refused for their credentials, by route and reason.",
		}, []string{"route", "reason"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gateway_upstream_up", Help: "1 while an upstream target takes requests (healthy, not suspended), else 0.",
		}, []string{"upstream", "target"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.upstream, m.throttled, m.authFails, m.up} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

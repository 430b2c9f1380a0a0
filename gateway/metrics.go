package gateway

import (
	"strconv"
	"time"

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
// records nothing: its methods do nothing on a nil receiver, so callers
// need not check.
type Metrics struct {
	requests         *prometheus.CounterVec
	upstreamDuration *prometheus.HistogramVec
	throttles        *prometheus.CounterVec
	authFailures     *prometheus.CounterVec
	upstreamTargetUp *prometheus.GaugeVec
}

// NewMetrics creates the metrics and registers them with reg (nil: keep
// them unregistered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_requests_total", Help: "Requests answered, by route, consumer and status.",
		}, []string{"route", "consumer", "status"}),
		upstreamDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gateway_upstream_duration_seconds", Help: "Duration of upstream attempts, to response headers.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"upstream"}),
		throttles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_throttled_total", Help: "Requests refused with 429, by route and the limit reached (consumer, route).",
		}, []string{"route", "limit"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_auth_failures_total", Help: "Requests refused for their credentials, by route and reason.",
		}, []string{"route", "reason"}),
		upstreamTargetUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gateway_upstream_up", Help: "1 while an upstream target takes requests (healthy, not suspended), else 0.",
		}, []string{"upstream", "target"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.upstreamDuration, m.throttles, m.authFailures, m.upstreamTargetUp} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// request counts a request a route answered with status; one no route
// matched (route "") is not counted.
func (m *Metrics) request(route, consumer string, status int) {
	if m == nil || route == "" {
		return
	}
	m.requests.WithLabelValues(route, consumer, strconv.Itoa(status)).Inc()
}

// observeUpstream records how long one attempt on upstream took.
func (m *Metrics) observeUpstream(upstream string, d time.Duration) {
	if m == nil {
		return
	}
	m.upstreamDuration.WithLabelValues(upstream).Observe(d.Seconds())
}

// throttled counts a request refused with 429 by limit (consumer, route).
func (m *Metrics) throttled(route, limit string) {
	if m == nil {
		return
	}
	m.throttles.WithLabelValues(route, limit).Inc()
}

// authFailure counts a request refused for its credentials, for reason
// (unauthenticated, forbidden).
func (m *Metrics) authFailure(route, reason string) {
	if m == nil {
		return
	}
	m.authFailures.WithLabelValues(route, reason).Inc()
}

// upstreamUp sets whether an upstream's target takes requests.
func (m *Metrics) upstreamUp(upstream, target string, up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.upstreamTargetUp.WithLabelValues(upstream, target).Set(v)
}

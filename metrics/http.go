package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/felixge/httpsnoop"
	"github.com/prometheus/client_golang/prometheus"
)

// HTTP records HTTP server metrics. One HTTP instruments every server of a
// process: the server label tells them apart (rest, graphql, …), the route
// label says which route of it matched.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
}

// NewHTTP creates the HTTP metrics and registers them with reg.
func NewHTTP(reg prometheus.Registerer) (*HTTP, error) {
	m := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by server, method, route template and status code.",
		}, []string{"server", "method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by server, method and route template.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"server", "method", "route"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "http_requests_in_flight",
			Help: "HTTP requests being served, by server.",
		}, []string{"server"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Unmatched is the route label of requests no route matched.
const Unmatched = "unmatched"

type routeKey struct{}

// SetRoute records the route template that matched the request whose
// context is ctx, for the route label. Routers call it; it does nothing
// outside Middleware.
func SetRoute(ctx context.Context, route string) {
	if r, ok := ctx.Value(routeKey{}).(*string); ok {
		*r = route
	}
}

// Middleware records every request next serves, as server's.
func (m *HTTP) Middleware(server string, next http.Handler) http.Handler {
	inFlight := m.inFlight.WithLabelValues(server)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := Unmatched
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, &route))
		inFlight.Inc()
		defer inFlight.Dec()
		start := time.Now()
		status := 0
		w = httpsnoop.Wrap(w, httpsnoop.Hooks{
			WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
				return func(code int) {
					// The first final status is the one sent; 1xx are
					// interim, and later calls are ignored by net/http.
					if status == 0 && code >= 200 {
						status = code
					}
					next(code)
				}
			},
		})
		defer func() {
			if status == 0 {
				status = http.StatusOK // nothing written: net/http sends 200
			}
			method := methodLabel(r.Method)
			m.duration.WithLabelValues(server, method, route).Observe(time.Since(start).Seconds())
			m.requests.WithLabelValues(server, method, route, strconv.Itoa(status)).Inc()
		}()
		next.ServeHTTP(w, r)
	})
}

// methodLabel bounds the method label: any method outside the standard set
// counts as "other".
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	default:
		return "other"
	}
}

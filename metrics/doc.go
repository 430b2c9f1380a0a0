// Package metrics gives ArticleKit components Prometheus metrics on a
// library-owned registry (never the global default one): a registry with Go
// and process collectors, an HTTP /metrics handler with OpenMetrics
// negotiation, and middleware that records HTTP requests by route template.
//
// Without fx:
//
//	reg := metrics.NewRegistry()
//	httpMetrics := metrics.NewHTTP(reg)
//	mux.Handle("/metrics", metrics.Handler(reg))
//	handler = httpMetrics.Middleware("rest", handler)
//
// With fx, include Module and contribute collectors from other modules with
// AsCollector:
//
//	fx.New(metrics.Module, fx.Provide(metrics.AsCollector(newMyCollector)))
//
// HTTP metrics:
//
//	http_requests_total{server,method,route,status}       counter
//	http_request_duration_seconds{server,method,route}    histogram
//	http_requests_in_flight{server}                       gauge
//
// route is the route template (e.g. /articles/{id}) set by the router
// through SetRoute, or "unmatched" when no route matched; it is never the
// raw path, so its values stay bounded.
package metrics

// Package restapi serves the article API over HTTP on bunrouter: CRUD on
// /articles with ETags and conditional requests, a dry-run validation
// endpoint, liveness and readiness, Prometheus metrics and its own OpenAPI
// 3.1 document at /openapi.json.
//
// Errors are RFC 9457 problem details (application/problem+json) with a
// stable type URN; bad input gets a 4xx and changes nothing, and no input
// produces a 5xx or leaks internals. Every request gets a request id
// (X-Request-ID), an access log line and metrics.
//
// Without fx:
//
//	api := restapi.New(svc, restapi.WithLogger(log), restapi.WithMetrics(httpMetrics, registry))
//	srv := &http.Server{Addr: ":5000", Handler: api, ReadHeaderTimeout: 5 * time.Second}
//	go srv.ListenAndServe()
//
// With fx, include Module with articles.Module and metrics.Module; add
// endpoints with AsRoute. The module's server binds Config.Addr on start
// and, when it stops, drains requests and ends event streams. Package client is the typed Go client.
package restapi

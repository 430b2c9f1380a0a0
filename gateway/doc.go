// Package gateway is ArticleKit's API gateway, in the role WSO2 API
// Manager played in front of the articles APIs: one entry point that
// authenticates callers (API keys in WSO2's apikey header or X-API-Key,
// JWT bearer tokens checked locally, HTTP Basic), throttles them by WSO2's
// subscription tiers and per route, and routes to upstream pools with
// balancing, retries, health checks and endpoint suspension. A GraphQL
// route (Route.GraphQL) reads every operation — over HTTP, and message by
// message over graphql-transport-ws WebSockets — and authenticates and
// limits it by its operation type and root fields, bounding depth and
// complexity at the edge. It listens where WSO2 does: 8280 (HTTP), 8243
// (HTTPS) and 9443 (the admin API).
//
//	cfg, err := gateway.ParseConfig(file)  // or build a gateway.Config
//	g, err := gateway.New(cfg, gateway.WithLogger(log), gateway.WithMetrics(m))
//	servers, err := gateway.NewServers(g, gateway.NewAdmin(g)) // logging with g's logger
//	err = servers.Start()
//
// g is an http.Handler; g.Reload(cfg) swaps the configuration without
// dropping requests in flight, as the admin API does. What it refuses, and
// what fails upstream, is answered with an RFC 9457 problem document whose
// type is one of the Type constants, in the REST API's namespace — on a
// GraphQL route, with a GraphQL response carrying the type's code.
package gateway

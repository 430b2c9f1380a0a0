// Package graphqlapi serves the article API as GraphQL, on gqlgen: the
// queries getArticles and getArticle, the mutations createArticle,
// updateArticle and deleteArticle, and the subscription articleChanged over
// WebSocket (graphql-transport-ws).
//
// The resolvers call a Backend: REST calls the REST API over HTTP, as the
// original design did; InProcess calls an *articles.Service directly. Both
// pass the same tests.
//
// Domain errors become GraphQL errors with extensions.code NOT_FOUND,
// BAD_USER_INPUT (with extensions.fields), CONFLICT or UNAVAILABLE; nothing
// internal reaches clients. Operations are bounded in depth, complexity,
// body size and time, and introspection can be switched off. Queries run
// as POSTs or GETs (GraphQL over HTTP), mutations only as POSTs; a request
// that is not a GraphQL request gets BAD_REQUEST. GET /graphql in a
// browser serves GraphiQL, whose files are embedded in the program
// (internal/playground).
//
// Without fx:
//
//	api, err := graphqlapi.New(graphqlapi.InProcess(svc), graphqlapi.Config{})
//	http.Handle(graphqlapi.Endpoint, api)
//
// With fx, supply a Config and include Module: it serves the API on
// Config.Addr, binding on start, and ends subscriptions when it stops.
//
// The executor in internal/generated is generated from schema.graphqls by
// `go generate ./...`; the resolvers in this package are written by hand.
package graphqlapi

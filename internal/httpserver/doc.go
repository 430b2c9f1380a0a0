// Package httpserver runs the HTTP servers of ArticleKit's transports (the
// REST API, GraphQL and the gateway): one server type with sane
// timeouts whose Start binds the listener synchronously (so a busy port
// fails start-up) and whose Stop drains in-flight requests, and the
// middleware every server shares — request ids, structured access logs and
// panic recovery.
//
// It is internal: programs mount the transports' handlers in servers of
// their own, or let the transports' fx modules run this one.
//
//	srv := httpserver.New(httpserver.Config{Addr: ":5000"}, handler, httpserver.WithLogger(log))
//	if err := srv.Start(); err != nil { … }
//	defer srv.Stop(ctx)
package httpserver

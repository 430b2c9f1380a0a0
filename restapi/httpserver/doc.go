// Package httpserver runs ArticleKit's HTTP servers: a server with sane
// timeouts whose Start binds the listener synchronously (so a busy port
// fails start-up) and whose Stop drains in-flight requests, and the
// middleware every server shares — request ids, structured access logs and
// panic recovery.
//
//	srv := httpserver.New(httpserver.Config{Addr: ":5000"}, handler, log)
//	if err := srv.Start(); err != nil { … }
//	defer srv.Stop(ctx)
package httpserver

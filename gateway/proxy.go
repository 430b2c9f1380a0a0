package gateway

import (
	"errors"
	"net/http"
	"net/http/httputil"
	"strings"
	"time"

	"github.com/rs/cors"

	"github.com/articlekit/articlekit/internal/httpserver"
)

// requestIDKey is httpserver.RequestIDHeader in canonical form.
var requestIDKey = http.CanonicalHeaderKey(httpserver.RequestIDHeader)

// routeHandler serves one route of t: it authenticates and throttles the
// caller, transforms the request and proxies it to the route's upstream.
func (g *Gateway) routeHandler(t *table, rt *Route) http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite:        func(pr *httputil.ProxyRequest) { rewrite(pr, rt) },
		Transport:      &retrier{g: g, pool: t.pools[rt.Upstream], route: rt},
		BufferPool:     &g.buffers,
		ModifyResponse: func(resp *http.Response) error { return modifyResponse(resp, rt) },
		ErrorHandler:   g.proxyError,
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := g.admit(w.Header(), r, t, rt); err != nil {
			writeError(w, r, g.log, err)
			return
		}
		proxy.ServeHTTP(w, r)
	})
	if rt.CORS == nil {
		return handler
	}
	c := rt.CORS
	return cors.New(cors.Options{AllowedOrigins: c.AllowedOrigins, AllowedMethods: c.AllowedMethods,
		AllowedHeaders: c.AllowedHeaders, ExposedHeaders: c.ExposedHeaders, AllowCredentials: c.AllowCredentials,
		MaxAge: c.MaxAge}).Handler(handler)
}

// rewrite makes the upstream request of rt from the client's.
func rewrite(pr *httputil.ProxyRequest, rt *Route) {
	pr.SetXForwarded()
	path, raw := pr.In.URL.Path, pr.In.URL.RawPath
	if rt.StripPrefix != "" {
		path = "/" + strings.TrimLeft(strings.TrimPrefix(path, rt.StripPrefix), "/")
		if raw != "" {
			raw = "/" + strings.TrimLeft(strings.TrimPrefix(raw, rt.StripPrefix), "/")
		}
	}
	pr.Out.URL.Path = strings.TrimSuffix(rt.AddPrefix, "/") + path
	if raw != "" {
		pr.Out.URL.RawPath = strings.TrimSuffix(rt.AddPrefix, "/") + raw
	}
	// The upstream logs the gateway's request id: one id end to end.
	pr.Out.Header[requestIDKey] = []string{httpserver.RequestIDFrom(pr.In.Context())}
	// The gateway's own credentials stay here, and so does an
	// Authorization header it did not verify (a token beside an API
	// key): the upstream sees only what the gateway vouches for.
	// Anonymous routes pass it on, vouching for nothing.
	for _, h := range apiKeyHeaders {
		delete(pr.Out.Header, h)
	}
	in := infoOf(pr.In.Context())
	if in == nil || (in.id.Scheme != AuthJWT && in.id.Scheme != AuthAnonymous) {
		delete(pr.Out.Header, "Authorization")
	}
	// Set on the outgoing request, after the proxy has dropped the
	// headers the client's Connection header names: a client cannot
	// strip them.
	if in != nil {
		pr.Out.Header["X-Consumer"] = []string{in.id.Consumer}
	}
	rt.Request.headers(pr.Out.Header)
	if rt.Response.body() {
		// The body must come back whole and readable to be
		// transformed: the transport asks for gzip itself and
		// decodes it; no ranges.
		for _, h := range []string{"Accept-Encoding", "Range", "If-Range"} {
			delete(pr.Out.Header, h)
		}
	}
}

// modifyResponse makes the client's response of rt from the upstream's.
func modifyResponse(resp *http.Response, rt *Route) error {
	if streaming(resp) {
		// A stream lasts as long as both ends keep it: the server's
		// timeouts are for requests.
		if in := infoOf(resp.Request.Context()); in != nil {
			rc := http.NewResponseController(in.w)
			_ = rc.SetWriteDeadline(time.Time{})
			_ = rc.SetReadDeadline(time.Time{})
		}
	}
	delete(resp.Header, requestIDKey) // the gateway answers with its own, which is the same
	rt.Response.headers(resp.Header)
	body, n, err := rt.Response.rewriteBody(resp.Header, resp.Body, false)
	if err != nil {
		return err
	}
	if n >= 0 {
		resp.Body, resp.ContentLength = body, n
		resp.Header.Del("ETag") // another representation now
	}
	return nil
}

// admit readies r for the route's upstream: the caller authenticated and
// within its limits (the RateLimit headers set on h), the body
// transformed. An error refuses the request.
func (g *Gateway) admit(h http.Header, r *http.Request, t *table, rt *Route) error {
	in := infoOf(r.Context())
	if in == nil {
		in = &info{}
	}
	in.route = rt.Name
	id, err := t.auth.authenticate(r, rt)
	if err != nil {
		reason := "unauthenticated"
		if errors.Is(err, ErrForbidden) {
			reason = "forbidden"
		}
		g.metrics.authFailure(rt.Name, reason)
		return &authError{err: err, challenge: challenge(rt.Auth)}
	}
	in.id = id
	if err := g.throttle(h, r, rt, t, id); err != nil {
		return err
	}
	body, n, err := rt.Request.rewriteBody(r.Header, r.Body, true)
	if err != nil {
		return &bodyError{err}
	}
	if n >= 0 {
		r.Body, r.ContentLength = body, n
	}
	return nil
}

// Upstream failures.
var (
	errNoTarget = errors.New("no upstream target is available")
	errUpstream = errors.New("upstream failed")
)

// proxyError is the proxy's ErrorHandler: the exchange with the upstream
// failed before the client had an answer.
func (g *Gateway) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, g.log, &upstreamError{err: err, clientGone: r.Context().Err() != nil})
}

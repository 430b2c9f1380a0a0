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
// caller (by the operations it carries on a GraphQL route, gq), transforms
// the request and proxies it to the route's upstream.
func (g *Gateway) routeHandler(t *table, rt *Route, gq *graphqlRoute) http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite:        func(pr *httputil.ProxyRequest) { rewrite(pr, rt) },
		Transport:      &retrier{g: g, pool: t.pools[rt.Upstream], route: rt},
		BufferPool:     &g.buffers,
		ModifyResponse: func(resp *http.Response) error { return modifyResponse(resp, rt) },
		ErrorHandler:   g.proxyError,
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := g.admit(w.Header(), r, t, rt, gq); err != nil {
			writeError(w, r, g.log, err)
			return
		}
		if gq != nil && len(r.Header["Upgrade"]) > 0 {
			g.serveSocket(w, r, t, rt, gq) // its messages are operations
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

// admit readies r for the route's upstream: an upgrade only to a protocol
// the route allows, the caller authenticated and within its limits (the
// RateLimit headers set on h) — on a GraphQL route, those of the
// operations r carries (see admitGraphQL) — the body transformed. An error
// refuses the request.
func (g *Gateway) admit(h http.Header, r *http.Request, t *table, rt *Route, gq *graphqlRoute) error {
	in := infoOf(r.Context())
	if in == nil {
		in = &info{}
	}
	in.route, in.graphql = rt.Name, gq != nil
	if err := upgrade(r.Header, rt); err != nil {
		return err
	}
	var (
		id     Identity
		err    error
		n      = 1
		limits []check
	)
	if gq == nil {
		if id, err = t.auth.authenticate(r.Header, rt.Auth, rt.Scopes); err != nil {
			return g.refuseCredentials(rt, rt.Auth, err)
		}
	} else if id, n, limits, err = g.admitGraphQL(r, t, rt, gq); err != nil {
		return err
	}
	in.id = id
	if err := g.throttle(h, r, rt, t, id, n, limits); err != nil {
		return err
	}
	body, size, err := rt.Request.rewriteBody(r.Header, r.Body, true)
	if err != nil {
		return &bodyError{err}
	}
	if size >= 0 {
		r.Body, r.ContentLength = body, size
	}
	return nil
}

// refuseCredentials counts and answers credentials that did not satisfy
// schemes, as err says.
func (g *Gateway) refuseCredentials(rt *Route, schemes []string, err error) error {
	reason := "unauthenticated"
	if errors.Is(err, ErrForbidden) {
		reason = "forbidden"
	}
	g.metrics.authFailure(rt.Name, reason)
	return &authError{err: err, challenge: challenge(schemes)}
}

// admitGraphQL reads and classifies the GraphQL request r carries and
// authenticates it: its credentials must meet the need of every root field
// of every operation it carries; the identity is the first they prove
// other than anonymous. It returns the operations the tier and the
// route's limit count, and the limits of their types and fields. A request
// without an operation needs the route's own auth — but a WebSocket
// handshake none: its operations come in messages, each authenticated
// (credentials in its headers count, if valid, for its throttling).
func (g *Gateway) admitGraphQL(r *http.Request, t *table, rt *Route, gq *graphqlRoute) (Identity, int, []check, error) {
	d, err := gq.read(r)
	if err != nil {
		return Identity{}, 0, nil, err
	}
	if d.operations == 0 {
		if len(r.Header["Upgrade"]) > 0 {
			id, err := t.auth.identify(r.Header)
			if err != nil {
				id = anonymous // the connection_init refuses them
			}
			return id, 1, nil, nil
		}
		d.operations, d.needs = 1, []*need{&gq.page}
	}
	id, err := g.authorize(r.Header, t, rt, d.needs)
	return id, d.operations, d.limits, err
}

// authorize authenticates the request of header h against every one of
// needs: the identity is the first that is not anonymous.
func (g *Gateway) authorize(h http.Header, t *table, rt *Route, needs []*need) (Identity, error) {
	id := anonymous
	for _, n := range needs {
		got, err := t.auth.authenticate(h, n.auth, n.scopes)
		if err != nil {
			return Identity{}, g.refuseCredentials(rt, n.auth, err)
		}
		if id.Scheme == AuthAnonymous {
			id = got
		}
	}
	return id, nil
}

// errWebSocketRefused is a WebSocket handshake to a route that does not
// allow WebSocket.
var errWebSocketRefused = errors.New("this route does not allow WebSocket upgrades")

// upgrade readies h, a request's header, for the proxy, which switches
// protocols when Connection names "upgrade": only to WebSocket, and only
// where rt allows it. An upgrade to any other protocol is dropped — above
// all h2c, which switched would let the client speak HTTP/2 to the
// upstream itself, past the gateway's routes and authentication — and
// the request is served as the HTTP/1.1 request it also is (RFC 9110
// 7.8), as the clients that offer h2c on every request (Java's HttpClient)
// expect. A WebSocket client cannot go on without its upgrade: its
// handshake to another route is refused instead. HTTP2-Settings, only
// ever an h2c upgrade's, is always dropped; TE the proxy keeps to
// "trailers" itself.
func upgrade(h http.Header, rt *Route) error {
	delete(h, "Http2-Settings")
	if len(h["Upgrade"]) == 0 {
		return nil
	}
	if !hasToken(h["Connection"], "upgrade") || !hasToken(h["Upgrade"], "websocket") {
		delete(h, "Upgrade") // and what Connection names goes with Connection
		return nil
	}
	if !rt.WebSocket {
		return errWebSocketRefused
	}
	h["Upgrade"] = []string{"websocket"} // one protocol, which the upstream must answer with
	return nil
}

// hasToken tells whether the comma-separated lists vs name token, in any
// case.
func hasToken(vs []string, token string) bool {
	for _, v := range vs {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.Trim(t, " \t"), token) {
				return true
			}
		}
	}
	return false
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

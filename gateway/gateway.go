package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/cors"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/internal/httpserver"
)

// Gateway is the proxy: an http.Handler that authenticates, throttles and
// routes requests to upstream pools. Reload swaps its configuration
// without dropping a request in flight.
type Gateway struct {
	log       *zap.Logger
	metrics   *Metrics
	transport http.RoundTripper
	local     *localLimiter
	shared    limiter // Redis, when configured
	closeRDB  func() error
	table     atomic.Pointer[table]
	handler   http.Handler
	buffers   bufferPool
}

// Option tunes a Gateway.
type Option func(*Gateway)

// WithLogger logs requests (with the consumer) and upstream health.
func WithLogger(log *zap.Logger) Option { return func(g *Gateway) { g.log = log } }

// WithMetrics records the gateway's metrics.
func WithMetrics(m *Metrics) Option { return func(g *Gateway) { g.metrics = m } }

// WithTransport sends upstream requests through rt (default: a tuned
// http.Transport).
func WithTransport(rt http.RoundTripper) Option { return func(g *Gateway) { g.transport = rt } }

// table is one configuration, ready to serve.
type table struct {
	cfg   Config
	mux   *http.ServeMux
	auth  *authenticator
	pools map[string]*pool
	stop  context.CancelFunc // its background work: health checks, JWKS refresh
}

// New builds a gateway for cfg, which it validates.
func New(cfg Config, opts ...Option) (*Gateway, error) {
	g := &Gateway{log: zap.NewNop()}
	for _, o := range opts {
		o(g)
	}
	if g.transport == nil {
		g.transport = &http.Transport{
			Proxy:               nil, // upstreams are reached directly
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		}
	}
	g.local = newLocalLimiter()
	cfg = cfg.WithDefaults()
	if cfg.Redis != "" {
		rl, client, err := newRedisLimiter(cfg.Redis)
		if err != nil {
			return nil, err
		}
		g.shared, g.closeRDB = rl, client.Close
	}
	if err := g.Reload(cfg); err != nil {
		if g.closeRDB != nil {
			_ = g.closeRDB()
		}
		return nil, err
	}
	g.handler = httpserver.Chain(http.HandlerFunc(g.serve),
		httpserver.RequestID,
		g.accessLog,
		httpserver.Recover(g.log, func(w http.ResponseWriter, _ *http.Request) {
			problem(w, http.StatusInternalServerError, "")
		}),
	)
	return g, nil
}

// ServeHTTP serves one request with the current configuration.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.handler.ServeHTTP(w, r) }

// Config returns a copy of the configuration in force.
func (g *Gateway) Config() Config { return g.table.Load().cfg.clone() }

// Reload validates cfg and puts it in force. Requests already routed finish
// with the configuration they started with; the old configuration's health
// checks stop. The Redis setting cannot change by reloading.
func (g *Gateway) Reload(cfg Config) error {
	cfg = cfg.clone().WithDefaults() // the caller may go on changing its copy
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cur := g.table.Load(); cur != nil && cur.cfg.Redis != cfg.Redis {
		return errors.New("gateway: the redis setting cannot change by reloading; restart")
	}
	t, err := g.build(cfg)
	if err != nil {
		return err
	}
	if old := g.table.Swap(t); old != nil {
		old.stop()
	}
	return nil
}

// Close stops background work and closes the Redis client.
func (g *Gateway) Close() error {
	if t := g.table.Load(); t != nil {
		t.stop()
	}
	if g.closeRDB != nil {
		return g.closeRDB()
	}
	return nil
}

func (g *Gateway) build(cfg Config) (t *table, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			cancel()
		}
	}()
	t = &table{cfg: cfg, mux: http.NewServeMux(), pools: map[string]*pool{}, stop: cancel}
	if t.auth, err = newAuthenticator(ctx, cfg); err != nil {
		return nil, err
	}
	old := g.table.Load()
	for name, u := range cfg.Upstreams {
		p, err := newPool(name, u)
		if err != nil {
			return nil, err
		}
		p.onHealth = g.onHealth
		if old != nil && old.pools[name] != nil {
			p.inherit(old.pools[name])
		}
		t.pools[name] = p
	}
	for name, u := range cfg.Upstreams {
		if u.Failover != "" {
			t.pools[name].failover = t.pools[u.Failover]
		}
		for _, tg := range t.pools[name].targets {
			g.onHealthGauge(name, tg.url.String(), tg.up())
		}
		client := &http.Client{Transport: g.transport}
		go t.pools[name].check(ctx, u.Health, client)
	}
	registered := map[string]bool{}
	for i := range cfg.Routes {
		rt := &cfg.Routes[i]
		h := g.routeHandler(t, rt)
		methods := rt.Methods
		if len(methods) == 0 {
			methods = []string{""}
		} else if rt.CORS != nil && !slices.Contains(methods, http.MethodOptions) {
			methods = append(slices.Clone(methods), http.MethodOptions) // browsers' preflight
		}
		for _, m := range methods {
			pattern := strings.TrimSpace(m + " " + rt.Host + rt.Path)
			if m == http.MethodOptions && !slices.Contains(rt.Methods, m) && registered[pattern] {
				continue // another route on this path answers preflights already
			}
			registered[pattern] = true
			if err := handle(t.mux, pattern, h); err != nil {
				return nil, fmt.Errorf("gateway: route %q: %w", rt.Name, err)
			}
		}
	}
	return t, nil
}

// handle registers a pattern, turning ServeMux's panic on a bad or
// conflicting pattern into an error.
func handle(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pattern %q: %v", pattern, r)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// requestIDKey is httpserver.RequestIDHeader in canonical form.
var requestIDKey = http.CanonicalHeaderKey(httpserver.RequestIDHeader)

// info is what the access log and metrics learn about a request as it
// goes.
type info struct {
	route string
	id    Identity            // who the request is, once authenticated
	w     http.ResponseWriter // the client's, for streams' deadlines
}

type infoKey struct{}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	if hasDotSegment(r.URL.Path) {
		problem(w, http.StatusBadRequest, "the path has . or .. segments")
		return
	}
	t := g.table.Load()
	h, pattern := t.mux.Handler(r)
	if pattern == "" {
		problem(w, http.StatusNotFound, "no route matches this request")
		return
	}
	h.ServeHTTP(w, r)
}

// hasDotSegment tells a decoded path with "." or ".." segments. ServeMux
// redirects plain ones to the clean path; these came percent-encoded
// ("%2e%2e", "..%2f"), which the mux matches as names, while an upstream
// that decodes them would resolve another path than the route matched —
// past the route's authentication. Backslashes count as separators, as
// some servers take them.
func hasDotSegment(path string) bool {
	for seg := range strings.FieldsFuncSeq(path, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

func (g *Gateway) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		in := &info{w: rec}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), infoKey{}, in)))
		status, consumer := rec.statusCode(), consumerLabel(in.id)
		if g.metrics != nil && in.route != "" {
			g.metrics.requests.WithLabelValues(in.route, consumer, strconv.Itoa(status)).Inc()
		}
		if ce := g.log.Check(zap.InfoLevel, "request"); ce != nil {
			ce.Write(zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int("status", status),
				zap.String("route", in.route), zap.String("consumer", consumer), zap.Int64("bytes", rec.written),
				zap.Duration("duration", time.Since(start)), zap.String("remote", r.RemoteAddr),
				zap.String("request_id", httpserver.RequestIDFrom(r.Context())))
		}
	})
}

// recorder notes a response's final status and size for the access log.
// It unwraps for http.ResponseController, which is how the proxy flushes
// streams and hijacks upgraded connections; the gateway's handlers use no
// other optional interface, so a recorder does not need httpsnoop's
// per-request wrapper set (a tenth of the gateway's allocations).
type recorder struct {
	http.ResponseWriter
	status  int
	written int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 { // 1xx (e.g. 103 Early Hints) come before the final one
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.written += int64(n)
	return n, err
}

// Unwrap is for http.ResponseController.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK // the handler wrote nothing: net/http sends 200
	}
	return r.status
}

// consumerLabel keeps metric labels bounded: unconfigured token subjects
// are "unknown".
func consumerLabel(id Identity) string {
	if strings.HasPrefix(id.Consumer, "jwt:") {
		return "unknown"
	}
	return id.Consumer
}

func (g *Gateway) routeHandler(t *table, rt *Route) http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
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
			in, _ := pr.In.Context().Value(infoKey{}).(*info)
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
		},
		Transport:  &retrier{g: g, pool: t.pools[rt.Upstream], route: rt},
		BufferPool: &g.buffers,
		ModifyResponse: func(resp *http.Response) error {
			if streaming(resp) {
				// A stream lasts as long as both ends keep it: the server's
				// timeouts are for requests.
				if in, _ := resp.Request.Context().Value(infoKey{}).(*info); in != nil {
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
		},
		ErrorHandler: g.proxyError,
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := r.Context().Value(infoKey{}).(*info)
		if in == nil {
			in = &info{}
		}
		in.route = rt.Name
		id, err := t.auth.authenticate(r, rt)
		if err != nil {
			g.refuse(w, rt, err)
			return
		}
		in.id = id
		if !g.throttle(w, r, rt, t, id) {
			return
		}
		body, n, err := rt.Request.rewriteBody(r.Header, r.Body, true)
		if err != nil {
			status, detail := requestBodyProblem(err)
			problem(w, status, detail)
			return
		}
		if n >= 0 {
			r.Body, r.ContentLength = body, n
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

// requestBodyProblem answers a request body the route could not transform.
func requestBodyProblem(err error) (status int, detail string) {
	switch {
	case errors.Is(err, errBodyTooLarge):
		return http.StatusRequestEntityTooLarge, "the body is too large to transform"
	case errors.Is(err, errBodyEncoded):
		return http.StatusUnsupportedMediaType, "this route transforms bodies: send it without Content-Encoding"
	case errors.Is(err, errBodyType):
		return http.StatusUnsupportedMediaType, "this route takes JSON bodies"
	case errors.Is(err, errBodyNotJSON):
		return http.StatusBadRequest, "the body is not valid JSON"
	}
	return http.StatusBadRequest, "the body could not be read"
}

func (g *Gateway) refuse(w http.ResponseWriter, rt *Route, err error) {
	reason, status := "unauthenticated", http.StatusUnauthorized
	if errors.Is(err, ErrForbidden) {
		reason, status = "forbidden", http.StatusForbidden
	}
	if g.metrics != nil {
		g.metrics.authFails.WithLabelValues(rt.Name, reason).Inc()
	}
	if status == http.StatusUnauthorized {
		var challenges []string
		for _, a := range rt.Auth {
			switch a {
			case AuthJWT:
				challenges = append(challenges, `Bearer realm="articlekit"`)
			case AuthBasic:
				challenges = append(challenges, `Basic realm="articlekit"`)
			case AuthAPIKey:
				challenges = append(challenges, `ApiKey realm="articlekit", header="apikey"`)
			}
		}
		w.Header().Set("WWW-Authenticate", strings.Join(challenges, ", "))
	}
	problem(w, status, err.Error())
}

// throttle applies the consumer's tier and the route's limit, answering 429
// when either is reached; it reports whether the request may go on.
func (g *Gateway) throttle(w http.ResponseWriter, r *http.Request, rt *Route, t *table, id Identity) bool {
	checks := []struct {
		name, key string
		limit     Limit
	}{
		{"consumer", "consumer:" + id.Consumer, t.cfg.Tiers[id.Tier]},
		{"route", "route:" + rt.Name, rt.Limit},
	}
	if id.Consumer == "anonymous" {
		checks[0].key = "anonymous:" + clientKey(r.RemoteAddr)
	}
	var lim limiter = g.local
	if g.shared != nil {
		lim = g.shared
	}
	// The headers show the limit closest to running out.
	var shown *decision
	for _, c := range checks {
		if c.limit.Unlimited() {
			continue
		}
		d, err := lim.allow(r.Context(), c.key, c.limit)
		if err != nil {
			// A shared store that is down must not open the floodgates
			// nor close the API: the instance's own limit stands in.
			g.log.Warn("shared rate limit unavailable; limiting locally", zap.Error(err))
			d, _ = g.local.allow(r.Context(), c.key, c.limit)
		}
		if shown == nil || !d.allowed || d.remaining < shown.remaining {
			shown = &d
		}
		if !d.allowed {
			rateLimitHeaders(w.Header(), d)
			w.Header().Set("Retry-After", strconv.Itoa(max(1, seconds(d.retryAfter))))
			if g.metrics != nil {
				g.metrics.throttled.WithLabelValues(rt.Name, c.name).Inc()
			}
			problem(w, http.StatusTooManyRequests, "rate limit reached ("+c.name+")")
			return false
		}
	}
	if shown != nil {
		rateLimitHeaders(w.Header(), *shown)
	}
	return true
}

func rateLimitHeaders(h http.Header, d decision) {
	// Canonical keys and one backing array: three headers, one allocation.
	v := []string{strconv.Itoa(d.limit), strconv.Itoa(d.remaining), strconv.Itoa(seconds(d.reset))}
	h["Ratelimit-Limit"], h["Ratelimit-Remaining"], h["Ratelimit-Reset"] = v[0:1:1], v[1:2:2], v[2:3:3]
}

// clientKey is what anonymous callers are limited by: the IP address, or
// for IPv6 its /64, which one subscriber holds whole.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if addr = addr.Unmap(); addr.Is6() {
		prefix, _ := addr.WithZone("").Prefix(64)
		return prefix.String()
	}
	return addr.String()
}

// Upstream failures.
var (
	errNoTarget = errors.New("no upstream target is available")
	errUpstream = errors.New("upstream failed")
)

func (g *Gateway) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		w.WriteHeader(499) // the client left; nobody reads this
	case errors.Is(err, errNoTarget):
		problem(w, http.StatusServiceUnavailable, "no upstream is available")
	case errors.Is(err, context.DeadlineExceeded):
		problem(w, http.StatusGatewayTimeout, "the upstream did not answer in time")
	default:
		g.log.Warn("upstream failed", zap.Error(err), zap.String("request_id", httpserver.RequestIDFrom(r.Context())))
		problem(w, http.StatusBadGateway, "the upstream failed")
	}
}

func (g *Gateway) onHealth(pool, target string, up bool) {
	g.log.Info("upstream target changed", zap.String("upstream", pool), zap.String("target", target), zap.Bool("up", up))
	g.onHealthGauge(pool, target, up)
}

func (g *Gateway) onHealthGauge(pool, target string, up bool) {
	if g.metrics == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	g.metrics.up.WithLabelValues(pool, target).Set(v)
}

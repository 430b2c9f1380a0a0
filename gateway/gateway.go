package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

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

// WithLogger logs requests (with the consumer), upstream health and the
// listeners NewServers prepares to log. Default: no logging.
func WithLogger(log *zap.Logger) Option {
	return func(g *Gateway) {
		if log != nil {
			g.log = log
		}
	}
}

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
		httpserver.Recover(g.log, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, r, g.log, errPanicked)
		}),
	)
	return g, nil
}

// errPanicked answers a panic, which Recover has logged.
var errPanicked = errors.New("a handler panicked")

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
			g.metrics.upstreamUp(name, tg.url.String(), tg.up())
		}
		client := &http.Client{Transport: g.transport}
		go t.pools[name].check(ctx, u.Health, client)
	}
	registered := map[string]bool{}
	for i := range cfg.Routes {
		rt := &cfg.Routes[i]
		gq, err := newGraphQLRoute(rt)
		if err != nil {
			return nil, err
		}
		h := g.routeHandler(t, rt, gq)
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

// Why serve routes a request nowhere.
var (
	errDotSegment = errors.New("the path has . or .. segments")
	errNoRoute    = errors.New("no route matches this request")
)

// serve routes r with the configuration in force.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	if hasDotSegment(r.URL.Path) {
		writeError(w, r, g.log, errDotSegment)
		return
	}
	t := g.table.Load()
	h, pattern := t.mux.Handler(r)
	if pattern == "" {
		writeError(w, r, g.log, errNoRoute)
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

// onHealth logs a target's change of availability and records it.
func (g *Gateway) onHealth(pool, target string, up bool) {
	g.log.Info("upstream target changed", zap.String("upstream", pool), zap.String("target", target), zap.Bool("up", up))
	g.metrics.upstreamUp(pool, target, up)
}

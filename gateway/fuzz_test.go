package gateway_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/articlekit/articlekit/gateway"
)

// No configuration text may crash the loader; what it accepts, New
// accepts too (or refuses with an error, never a panic).
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"routes: [{name: a, path: /a, upstream: u, auth: [anonymous]}]\nupstreams: {u: {targets: [{url: 'http://127.0.0.1:1'}]}}",
		"routes: [{name: a, methods: ['GET'], host: example.com, path: '/a/{x}/{y...}', upstream: u, auth: [apikey]}]\nupstreams: {u: {targets: [{url: 'http://h'}]}}",
		"routes: [{name: a, path: '/{x}/{x}', upstream: u, auth: [anonymous]}]\nupstreams: {u: {targets: [{url: 'http://h'}]}}",
		"tiers: {Gold: {requests: -1, per: 1s}}", "listen: {http: '-'}", "&a [*a, *a]", "jwt: {keys: [{pem: '-----BEGIN'}]}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := gateway.ParseConfig(strings.NewReader(text))
		if err != nil {
			return
		}
		cfg.JWT.JWKSURL = "" // no network
		if g, err := gateway.New(cfg); err == nil {
			g.Close()
		}
	})
}

// No request may crash the router, reach an upstream without passing
// authentication, or take a protocol upgrade, HTTP2-Settings or a TE
// other than trailers to it: only "Upgrade: websocket" goes on, and only
// on the route that allows WebSocket. upgrade is what the request's
// Upgrade offers (with Connection: Upgrade, HTTP2-Settings and TE: gzip,
// trailers beside it), none when empty.
func FuzzRoute(f *testing.F) {
	for _, seed := range []string{"/articles/1", "/api/v1/../../x", "/api/v1/a%2F..%2Fb", "//x", "/health?x=%zz", "/%00", "/articles/%2e%2e/"} {
		f.Add("GET", seed, "", "")
	}
	f.Add("POST", "/articles/", goldKey, "")
	// The attack run's upgrades: h2c smuggling on an open route, on the
	// WebSocket route, hidden in a list or behind another case; WebSocket
	// where it is not allowed.
	for _, seed := range [][2]string{{"/health", "h2c"}, {"/health", "H2C"}, {"/ws", "h2c"}, {"/ws", "websocket, h2c"},
		{"/ws", "h2c,WebSocket"}, {"/ws", "websocket\x00h2c"}, {"/health", "websocket"}, {"/articles/1", "websocket"}, {"/ws", "websocket"}} {
		f.Add("GET", seed[0], "", seed[1])
	}
	var hits atomic.Int64
	var smuggled atomic.Value // what the upstream must not have seen, for this input
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		up := r.Header.Values("Upgrade")
		switch {
		case len(up) > 0 && (r.URL.Path != "/ws" || len(up) != 1 || up[0] != "websocket"):
			smuggled.Store(fmt.Sprintf("Upgrade %q on %s", up, r.URL.Path))
		case r.Header.Get("HTTP2-Settings") != "":
			smuggled.Store("HTTP2-Settings")
		case r.Header.Get("Te") != "" && r.Header.Get("Te") != "trailers":
			smuggled.Store("TE " + r.Header.Get("Te"))
		}
	}))
	defer upstream.Close()
	g, err := gateway.New(gateway.Config{
		Consumers: []gateway.Consumer{{Name: "app", APIKeys: []string{goldKey}}},
		Tiers:     map[string]gateway.Limit{gateway.TierUnauthenticated: {}},
		Upstreams: map[string]gateway.Upstream{"u": {Targets: []gateway.Target{{URL: upstream.URL}}}},
		Routes: []gateway.Route{
			{Name: "secret", Path: "/articles/", Upstream: "u", Auth: []string{"apikey"}},
			{Name: "open", Path: "/health", Upstream: "u", Auth: []string{"anonymous"}},
			{Name: "ws", Path: "/ws", Upstream: "u", Auth: []string{"anonymous"}, WebSocket: true},
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	defer g.Close()
	f.Fuzz(func(t *testing.T, method, target, key, upgrade string) {
		req, err := http.NewRequest(method, "http://gw"+target, nil)
		if err != nil || !strings.HasPrefix(target, "/") {
			return
		}
		if key != "" {
			req.Header.Set("apikey", key)
		}
		if upgrade != "" {
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", upgrade)
			req.Header.Set("HTTP2-Settings", "AAMAAABkAAQCAAAAAAIAAAAA")
			req.Header.Set("TE", "gzip, trailers")
		}
		before := hits.Load()
		smuggled.Store("")
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusBadGateway && rec.Code != http.StatusGatewayTimeout {
			t.Fatalf("%s %s: %d", method, target, rec.Code)
		}
		if hits.Load() > before && key != goldKey && !strings.HasPrefix(req.URL.Path, "/health") && req.URL.Path != "/ws" {
			t.Fatalf("%s %q with key %q reached the upstream as %q", method, target, key, req.URL.Path)
		}
		if s := smuggled.Load().(string); s != "" {
			t.Fatalf("%s %q with Upgrade %q: the upstream saw %s", method, target, upgrade, s)
		}
	})
}

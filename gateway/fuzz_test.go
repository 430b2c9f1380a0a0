package gateway_test

import (
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

// No request may crash the router or reach an upstream without passing
// authentication.
func FuzzRoute(f *testing.F) {
	for _, seed := range []string{"/articles/1", "/api/v1/../../x", "/api/v1/a%2F..%2Fb", "//x", "/health?x=%zz", "/%00", "/articles/%2e%2e/"} {
		f.Add("GET", seed, "")
	}
	f.Add("POST", "/articles/", goldKey)
	var hits atomic.Int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer upstream.Close()
	g, err := gateway.New(gateway.Config{
		Consumers: []gateway.Consumer{{Name: "app", APIKeys: []string{goldKey}}},
		Tiers:     map[string]gateway.Limit{gateway.TierUnauthenticated: {}},
		Upstreams: map[string]gateway.Upstream{"u": {Targets: []gateway.Target{{URL: upstream.URL}}}},
		Routes: []gateway.Route{
			{Name: "secret", Path: "/articles/", Upstream: "u", Auth: []string{"apikey"}},
			{Name: "open", Path: "/health", Upstream: "u", Auth: []string{"anonymous"}},
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	defer g.Close()
	f.Fuzz(func(t *testing.T, method, target, key string) {
		req, err := http.NewRequest(method, "http://gw"+target, nil)
		if err != nil || !strings.HasPrefix(target, "/") {
			return
		}
		if key != "" {
			req.Header.Set("apikey", key)
		}
		before := hits.Load()
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusBadGateway && rec.Code != http.StatusGatewayTimeout {
			t.Fatalf("%s %s: %d", method, target, rec.Code)
		}
		if hits.Load() > before && key != goldKey && !strings.HasPrefix(req.URL.Path, "/health") {
			t.Fatalf("%s %q with key %q reached the upstream as %q", method, target, key, req.URL.Path)
		}
	})
}

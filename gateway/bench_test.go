package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/articlekit/articlekit/gateway"
)

// BenchmarkProxy sends GETs through the gateway (API key, Gold tier,
// metrics on) and, as the floor, through a bare httputil.ReverseProxy, both
// to one upstream on loopback: go test -bench Proxy -benchmem ./gateway.
// The figures include the client and the upstream; the allocations per
// request are the stable part to compare.
func BenchmarkProxy(b *testing.B) {
	body := []byte(`{"id":1,"title":"benchmark","content":"body","author":"bench","tags":[],"version":1}`)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer upstream.Close()
	metrics, err := gateway.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{
		Consumers: []gateway.Consumer{{Name: "bench", Tier: gateway.TierGold, APIKeys: []string{goldKey}}},
		Tiers:     map[string]gateway.Limit{gateway.TierGold: {Requests: 1 << 40, Per: time.Minute}},
		Upstreams: map[string]gateway.Upstream{"rest": {Targets: []gateway.Target{{URL: upstream.URL}}}},
		Routes:    []gateway.Route{{Name: "read", Methods: []string{"GET"}, Path: "/articles/{id}", Upstream: "rest", Auth: []string{gateway.AuthAPIKey}}},
	}, gateway.WithMetrics(metrics))
	if err != nil {
		b.Fatal(err)
	}
	defer gw.Close()
	target, _ := url.Parse(upstream.URL)
	for _, bc := range []struct {
		name    string
		handler http.Handler
	}{
		{"bare-reverse-proxy", httputil.NewSingleHostReverseProxy(target)},
		{"gateway", gw},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := httptest.NewServer(bc.handler)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodGet, srv.URL+"/articles/1", nil)
					req.Header.Set("apikey", goldKey)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}

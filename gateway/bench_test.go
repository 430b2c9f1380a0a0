package gateway_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
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
			hammer(b, func() *http.Request {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/articles/1", nil)
				req.Header.Set("apikey", goldKey)
				return req
			})
		})
	}
}

// hammer sends the requests next makes from parallel clients, each
// expecting 200.
func hammer(b *testing.B, next func() *http.Request) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(next())
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
}

// BenchmarkGraphQLRoute posts one query through a GraphQL route — read,
// parsed, classified and re-encoded; with the GraphQL API's schema,
// validated and measured too — and, as the floor, through a plain route,
// to one upstream on loopback: go test -bench GraphQLRoute -benchmem
// ./gateway. The difference is a GraphQL route's own cost per request; the
// uncached runs send a new document each time (an alias numbered anew), so
// that every one is parsed, and validated, again.
func BenchmarkGraphQLRoute(b *testing.B) {
	answer := []byte(`{"data":{"getArticle":{"id":"1","title":"benchmark","content":"body","author":"bench","tags":[],"version":1}}}`)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	defer upstream.Close()
	anonymous := []string{gateway.AuthAnonymous}
	ops := gateway.Operations{
		Query:    gateway.Operation{Access: gateway.Access{Auth: anonymous}},
		Mutation: gateway.Operation{Access: gateway.Access{Auth: []string{gateway.AuthAPIKey}}},
	}
	gw, err := gateway.New(gateway.Config{
		Tiers:     map[string]gateway.Limit{gateway.TierUnauthenticated: {}},
		Upstreams: map[string]gateway.Upstream{"gql": {Targets: []gateway.Target{{URL: upstream.URL}}}},
		Routes: []gateway.Route{
			{Name: "plain", Path: "/plain", Upstream: "gql", Auth: anonymous},
			{Name: "graphql", Path: "/graphql", Upstream: "gql", Auth: anonymous, GraphQL: &gateway.GraphQL{Operations: ops}},
			{Name: "schema", Path: "/schema", Upstream: "gql", Auth: anonymous, GraphQL: &gateway.GraphQL{Operations: ops,
				SchemaFile: "../graphqlapi/schema.graphqls", MaxDepth: 10, MaxComplexity: 10000}},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer gw.Close()
	srv := httptest.NewServer(gw)
	defer srv.Close()
	const body = `{"query":"query One($id: ID!) { %sgetArticle(id: $id) { id title content author tags version } }","variables":{"id":"1"}}`
	var n atomic.Int64
	for _, bc := range []struct {
		name, path string
		alias      func() string
	}{
		{"plain", "/plain", func() string { return "" }},
		{"graphql", "/graphql", func() string { return "" }},
		{"schema", "/schema", func() string { return "" }},
		{"graphql-uncached", "/graphql", func() string { return fmt.Sprintf("a%d: ", n.Add(1)) }},
		{"schema-uncached", "/schema", func() string { return fmt.Sprintf("a%d: ", n.Add(1)) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			hammer(b, func() *http.Request {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+bc.path, strings.NewReader(fmt.Sprintf(body, bc.alias())))
				req.Header.Set("Content-Type", "application/json")
				return req
			})
		})
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
)

// env is everything the scenarios call: a seeded SQLite store, the bare
// baseline handler, the REST API, and the GraphQL API over each backend.
type env struct {
	ids                         []int64
	bareURL, restURL            string
	gatewayURL, bareProxyURL    string
	gqlInProcessURL, gqlRESTURL string
	dedicated                   dedicatedProxies
	closers                     []func()
}

func setup(seed int) (*env, error) {
	dir, err := os.MkdirTemp("", "articlekit-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{closers: []func(){func() { _ = os.RemoveAll(dir) }}}
	fail := func(err error) (*env, error) { e.close(); return nil, err }

	log := discardLog()
	store, err := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://" + filepath.Join(dir, "bench.db")}, articles.WithLogger(log))
	if err != nil {
		return fail(err)
	}
	e.closers = append(e.closers, func() { _ = store.Close() })
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		return fail(err)
	}
	svc := articles.NewService(store, articles.WithLogger(log))
	for i := range seed {
		a, err := svc.Create(ctx, sampleDraft(i))
		if err != nil {
			return fail(err)
		}
		e.ids = append(e.ids, a.ID)
	}

	// Each API gets its own registry, as it would in its own process.
	instrument := func() (*metrics.HTTP, *prometheus.Registry) {
		reg := metrics.NewRegistry()
		m, _ := metrics.NewHTTP(reg)
		return m, reg
	}
	restMetrics, restReg := instrument()
	restReg.MustRegister(svc.Collector())
	if e.restURL, err = e.serve(restapi.New(svc, restapi.WithLogger(log), restapi.WithMetrics(restMetrics, restReg))); err != nil {
		return fail(err)
	}
	if e.bareURL, err = e.serve(bareHandler()); err != nil {
		return fail(err)
	}
	restBackend, err := graphqlapi.REST(e.restURL)
	if err != nil {
		return fail(err)
	}
	gw, closeGateway, err := benchGateway(e.restURL, log)
	if err != nil {
		return fail(err)
	}
	e.closers = append(e.closers, closeGateway)
	if e.gatewayURL, err = e.serve(gw); err != nil {
		return fail(err)
	}
	if e.bareProxyURL, err = e.serve(bareProxy(e.restURL)); err != nil {
		return fail(err)
	}
	for _, gql := range []struct {
		backend graphqlapi.Backend
		url     *string
	}{{graphqlapi.InProcess(svc), &e.gqlInProcessURL}, {restBackend, &e.gqlRESTURL}} {
		m, reg := instrument()
		api, err := graphqlapi.New(gql.backend, graphqlapi.Config{}, graphqlapi.WithLogger(log), graphqlapi.WithMetrics(m, reg))
		if err != nil {
			return fail(err)
		}
		if *gql.url, err = e.serve(api); err != nil {
			return fail(err)
		}
	}
	return e, nil
}

// discardLog is the servers' logger: the access logs stay on, encoded as in
// production, into io.Discard.
func discardLog() *zap.Logger {
	return zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel))
}

const benchAPIKey = "bench-api-key-0123456789"

// benchGateway is the gateway in front of the REST API at restURL: API-key
// authentication and a Gold tier too high to throttle the benchmark.
func benchGateway(restURL string, log *zap.Logger) (http.Handler, func(), error) {
	gw, err := gateway.New(gateway.Config{
		Consumers: []gateway.Consumer{{Name: "bench", Tier: gateway.TierGold, APIKeys: []string{benchAPIKey}}},
		Tiers:     map[string]gateway.Limit{gateway.TierGold: {Requests: 1 << 40, Per: time.Minute}},
		Upstreams: map[string]gateway.Upstream{"rest": {Targets: []gateway.Target{{URL: restURL}}}},
		Routes:    []gateway.Route{{Name: "read", Methods: []string{"GET"}, Path: "/articles/{id}", Upstream: "rest", Auth: []string{gateway.AuthAPIKey}}},
	}, gateway.WithLogger(log), gateway.WithMetrics(gatewayMetrics()))
	if err != nil {
		return nil, nil, err
	}
	return gw, func() { _ = gw.Close() }, nil
}

// bareProxy is the least a proxy can cost: the standard library's, doing
// nothing else.
func bareProxy(restURL string) http.Handler {
	target, _ := url.Parse(restURL)
	bare := httputil.NewSingleHostReverseProxy(target)
	bare.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
	return bare
}

func gatewayMetrics() *gateway.Metrics {
	m, _ := gateway.NewMetrics(metrics.NewRegistry())
	return m
}

// gatewaySuite measures the gateway's cost: the same GET sent through it
// and directly.
func (e *env) gatewaySuite() suite {
	return e.proxySuite("API gateway in front of the REST API (API key, Gold tier), against the REST API directly",
		&e.gatewayURL, &e.bareProxyURL, nil)
}

// proxySuite sends GETs directly, through the bare proxy and through the
// gateway; the proxies' URLs are read per request, as a layout may start
// them only when the suite starts. cpu, when set, meters the proxies.
func (e *env) proxySuite(title string, gatewayURL, bareProxyURL *string, cpu func() time.Duration) suite {
	return suite{
		title: title,
		baseline: scenario{name: "REST GET /articles/{id} directly", req: func(r *rand.Rand) *http.Request {
			return get(e.restURL + "/articles/" + e.randomID(r))
		}, want: http.StatusOK},
		scenarios: []scenario{
			{name: "GET /articles/{id} through a bare httputil.ReverseProxy", req: func(r *rand.Rand) *http.Request {
				return get(*bareProxyURL + "/articles/" + e.randomID(r))
			}, want: http.StatusOK, proxyCPU: cpu},
			{name: "GET /articles/{id} through the gateway", req: func(r *rand.Rand) *http.Request {
				req := get(*gatewayURL + "/articles/" + e.randomID(r))
				req.Header.Set("apikey", benchAPIKey)
				return req
			}, want: http.StatusOK, proxyCPU: cpu},
		},
	}
}

func (e *env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

func (e *env) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	e.closers = append(e.closers, func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), nil
}

func (e *env) client(concurrency int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency}}
}

func (e *env) randomID(r *rand.Rand) string { return strconv.FormatInt(e.ids[r.IntN(len(e.ids))], 10) }

func (e *env) restSuite() suite {
	body, _ := json.Marshal(sampleDraft(0))
	return suite{
		title: "REST API on SQLite, against a bare net/http JSON handler",
		baseline: scenario{name: "bare net/http JSON handler", req: func(r *rand.Rand) *http.Request {
			return get(e.bareURL + "/articles/" + e.randomID(r))
		}, want: http.StatusOK},
		scenarios: []scenario{
			{name: "GET /articles/{id}", req: func(r *rand.Rand) *http.Request {
				return get(e.restURL + "/articles/" + e.randomID(r))
			}, want: http.StatusOK},
			{name: "GET /articles?limit=20", req: func(*rand.Rand) *http.Request {
				return get(e.restURL + "/articles?limit=20")
			}, want: http.StatusOK},
			{name: "POST /articles", req: func(*rand.Rand) *http.Request {
				return post(e.restURL+"/articles", body)
			}, want: http.StatusCreated},
		},
	}
}

const (
	getArticleQuery  = `query($id: ID!) { getArticle(id: $id) { id title content author tags createdAt updatedAt version } }`
	getArticlesQuery = `{ getArticles(limit: 20) { id title content author tags createdAt updatedAt version } }`
)

func (e *env) graphqlSuite() suite {
	getArticle := func(base string) func(*rand.Rand) *http.Request {
		return func(r *rand.Rand) *http.Request {
			body, _ := json.Marshal(map[string]any{"query": getArticleQuery, "variables": map[string]string{"id": e.randomID(r)}})
			return post(base+graphqlapi.Endpoint, body)
		}
	}
	list, _ := json.Marshal(map[string]string{"query": getArticlesQuery})
	// The costliest document the default limits let through to
	// validation: one selection set of as many same-named fields as they
	// allow, new each time (a comment varies) so that no cache helps.
	var worst atomic.Int64
	worstDocument := func(*rand.Rand) *http.Request {
		query := fmt.Sprintf("# %d\n{ getArticles(limit: 1) { %s } }", worst.Add(1),
			strings.TrimSpace(strings.Repeat("id ", graphqlapi.DefaultMaxFields-1)))
		body, _ := json.Marshal(map[string]string{"query": query})
		return post(e.gqlInProcessURL+graphqlapi.Endpoint, body)
	}
	getArticles := func(base string) func(*rand.Rand) *http.Request {
		return func(*rand.Rand) *http.Request { return post(base+graphqlapi.Endpoint, list) }
	}
	return suite{
		title: "GraphQL on SQLite, both backends, against REST GET /articles/{id}",
		baseline: scenario{name: "REST GET /articles/{id}", req: func(r *rand.Rand) *http.Request {
			return get(e.restURL + "/articles/" + e.randomID(r))
		}, want: http.StatusOK},
		scenarios: []scenario{
			{name: "GraphQL getArticle, in-process backend", req: getArticle(e.gqlInProcessURL), want: http.StatusOK},
			{name: "GraphQL getArticles(limit: 20), in-process backend", req: getArticles(e.gqlInProcessURL), want: http.StatusOK},
			{name: "GraphQL getArticle, REST backend", req: getArticle(e.gqlRESTURL), want: http.StatusOK},
			{name: "GraphQL getArticles(limit: 20), REST backend", req: getArticles(e.gqlRESTURL), want: http.StatusOK},
			{name: "GraphQL, the worst document the limits allow (499 fields of one name, new each time; one client)",
				req: worstDocument, want: http.StatusOK, clients: 1},
		},
	}
}

// bareHandler is the REST baseline: net/http's mux and a JSON-encoded
// article, with no storage, routing library or middleware.
func bareHandler() http.Handler {
	mux := http.NewServeMux()
	now := time.Now().UTC()
	mux.HandleFunc("GET /articles/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		d := sampleDraft(int(id))
		a := articles.Article{ID: id, Title: d.Title, Content: d.Content, Author: d.Author, Tags: d.Tags,
			CreatedAt: now, UpdatedAt: now, Version: 1}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a)
	})
	return mux
}

func sampleDraft(i int) articles.Draft {
	return articles.Draft{
		Title:   fmt.Sprintf("Benchmark article %d", i),
		Content: "ArticleKit benchmark body. " + string(bytes.Repeat([]byte("Lorem ipsum dolor sit amet. "), 20)),
		Author:  "bench",
		Tags:    []string{"bench", "go"},
	}
}

func get(url string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	return req
}

func post(url string, body []byte) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

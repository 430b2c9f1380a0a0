package graphqlapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
)

// stack is a GraphQL server over one backend, and what the tests look at.
type stack struct {
	t       *testing.T
	svc     *articles.Service
	rest    *httptest.Server // nil for the in-process backend
	gql     *httptest.Server
	reg     *prometheus.Registry
	logs    *observer.ObservedLogs
	backend graphqlapi.Backend
}

// backends builds one stack per backend over a fresh SQLite store: the
// whole suite runs against each.
var backends = []struct {
	name string
	make func(t *testing.T, cfg graphqlapi.Config) *stack
}{
	{graphqlapi.BackendInProcess, func(t *testing.T, cfg graphqlapi.Config) *stack {
		svc := articlestest.NewService(t, "sqlite://"+t.TempDir()+"/g.db")
		return newStack(t, svc, nil, graphqlapi.InProcess(svc), cfg)
	}},
	{graphqlapi.BackendREST, func(t *testing.T, cfg graphqlapi.Config) *stack {
		svc := articlestest.NewService(t, "sqlite://"+t.TempDir()+"/g.db")
		rest := httptest.NewServer(restapi.New(svc))
		t.Cleanup(rest.Close)
		backend, err := graphqlapi.REST(rest.URL)
		if err != nil {
			t.Fatal(err)
		}
		return newStack(t, svc, rest, backend, cfg)
	}},
}

func newStack(t *testing.T, svc *articles.Service, rest *httptest.Server, backend graphqlapi.Backend, cfg graphqlapi.Config) *stack {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	reg := metrics.NewRegistry()
	httpMetrics, err := metrics.NewHTTP(reg)
	if err != nil {
		t.Fatal(err)
	}
	api, err := graphqlapi.New(backend, cfg, graphqlapi.WithLogger(zap.New(core)), graphqlapi.WithMetrics(httpMetrics, reg))
	if err != nil {
		t.Fatal(err)
	}
	gql := httptest.NewServer(api)
	t.Cleanup(gql.Close)
	reg.MustRegister(svc.Collector())
	return &stack{t: t, svc: svc, rest: rest, gql: gql, reg: reg, logs: logs, backend: backend}
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlError) code() string { c, _ := e.Extensions["code"].(string); return c }

type response struct {
	status int
	Data   map[string]json.RawMessage `json:"data"`
	Errors []gqlError                 `json:"errors"`
}

// do posts a GraphQL request; vars come in name, value pairs.
func (s *stack) do(query string, vars ...any) response {
	s.t.Helper()
	v := map[string]any{}
	for i := 0; i+1 < len(vars); i += 2 {
		v[vars[i].(string)] = vars[i+1]
	}
	body, _ := json.Marshal(map[string]any{"query": query, "variables": v})
	return s.post(body)
}

func (s *stack) post(body []byte) response {
	s.t.Helper()
	resp, err := http.Post(s.gql.URL+graphqlapi.Endpoint, "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode}
	if err := json.Unmarshal(raw, &out); err != nil {
		s.t.Fatalf("response %d is not GraphQL JSON: %s", resp.StatusCode, raw)
	}
	return out
}

// data decodes field of a successful response into v.
func (r response) data(t *testing.T, field string, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data[field], v); err != nil {
		t.Fatalf("data.%s = %s: %v", field, r.Data[field], err)
	}
}

// onlyError returns the single error of a response, failing otherwise.
// expect checks that r has no errors when code is "", and otherwise
// exactly one, with that code.
func (r response) expect(t *testing.T, code string) {
	t.Helper()
	if code == "" {
		if len(r.Errors) != 0 {
			t.Fatalf("errors %+v", r.Errors)
		}
		return
	}
	if err := r.onlyError(t); err.code() != code {
		t.Fatalf("error %+v, want %s", err, code)
	}
}

func (r response) onlyError(t *testing.T) gqlError {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want exactly one error, got %+v (data %s)", r.Errors, r.Data)
	}
	return r.Errors[0]
}

// waitSubscribers waits until the article service has n change
// subscribers: a subscription misses changes committed before it is live.
func (s *stack) waitSubscribers(n int) {
	s.t.Helper()
	waitFor(s.t, func() bool { return subscribers(s.t, s.svc) == n })
}

// subscription is a graphql-transport-ws client subscribed to one operation.
type subscription struct {
	t    *testing.T
	conn *websocket.Conn
}

func (s *stack) subscribe(ctx context.Context, query string, vars map[string]any) *subscription {
	s.t.Helper()
	url := "ws" + strings.TrimPrefix(s.gql.URL, "http") + graphqlapi.Endpoint
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		s.t.Fatalf("dial %s: %v", url, err)
	}
	s.t.Cleanup(func() { _ = conn.CloseNow() })
	sub := &subscription{t: s.t, conn: conn}
	sub.send(ctx, map[string]any{"type": "connection_init"})
	if msg := sub.next(ctx); msg["type"] != "connection_ack" {
		s.t.Fatalf("want connection_ack, got %v", msg)
	}
	sub.send(ctx, map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": query, "variables": vars}})
	return sub
}

func (s *subscription) send(ctx context.Context, msg map[string]any) {
	s.t.Helper()
	if err := wsjson.Write(ctx, s.conn, msg); err != nil {
		s.t.Fatal(err)
	}
}

// next returns the next message that is not a ping or pong.
func (s *subscription) next(ctx context.Context) map[string]any {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		var msg map[string]any
		if err := wsjson.Read(ctx, s.conn, &msg); err != nil {
			s.t.Fatalf("read subscription message: %v", err)
		}
		if msg["type"] != "ping" && msg["type"] != "pong" {
			return msg
		}
	}
}

func articlesForTest(t *testing.T) *articles.Service {
	return articlestest.NewService(t, "sqlite://:memory:")
}

func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// subscribers gathers the service's open change subscriptions.
func subscribers(t *testing.T, svc *articles.Service) int {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(svc.Collector())
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() == "articles_change_subscribers" {
			return int(mf.GetMetric()[0].GetGauge().GetValue())
		}
	}
	t.Fatal("no articles_change_subscribers metric")
	return 0
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
	}
}

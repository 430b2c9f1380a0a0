package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/graphqlapi"
)

const writerKey = "writer-key-0123456789abcd"

// recording counts the requests that reach next and remembers the last
// one's method, query string and body.
type recording struct {
	next http.Handler
	hits atomic.Int64

	mu                     sync.Mutex
	method, rawQuery, body string
}

func (u *recording) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.hits.Add(1)
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.method, u.rawQuery, u.body = r.Method, r.URL.RawQuery, string(body)
	u.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	u.next.ServeHTTP(w, r)
}

// last is what the last request that reached u was.
func (u *recording) last() (method, rawQuery, body string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.method, u.rawQuery, u.body
}

// gqlStack is a gateway in front of the GraphQL API over in-memory SQLite
// and of a fake GraphQL upstream that answers every request with empty
// data, each recorded. Its routes, all reads anonymous, mutations with an
// API key or a token, deleteArticle with a token of scope
// articles:delete:
//
//	/graphql          the API; WebSocket; no schema, no limits
//	/checked/graphql  the API, with its schema, max_depth 3, max_complexity 100
//	/loose/graphql    the fake; batching, max_depth 3, max_complexity 50
//	/limited/graphql  the fake; a mutation a minute, a createArticle an hour
type gqlStack struct {
	t      testing.TB
	svc    *articles.Service
	api    *recording
	fake   *recording
	gw     *gateway.Gateway
	srv    *httptest.Server
	secret []byte
}

func graphqlOperations() gateway.Operations {
	return gateway.Operations{
		Query: gateway.Operation{Access: gateway.Access{Auth: []string{gateway.AuthAnonymous}}},
		Mutation: gateway.Operation{Access: gateway.Access{Auth: []string{gateway.AuthAPIKey, gateway.AuthJWT}},
			Fields: map[string]gateway.Access{"deleteArticle": {Auth: []string{gateway.AuthJWT}, Scopes: []string{"articles:delete"}}}},
		Subscription: gateway.Operation{Access: gateway.Access{Auth: []string{gateway.AuthAnonymous}}},
	}
}

func newGQLStack(t testing.TB, edit ...func(*gateway.Config)) *gqlStack {
	s := &gqlStack{t: t, svc: articlestest.NewService(t, "sqlite://:memory:"), secret: []byte("a shared secret of enough length!")}
	api, err := graphqlapi.New(graphqlapi.InProcess(s.svc), graphqlapi.Config{DisablePlayground: true})
	if err != nil {
		t.Fatal(err)
	}
	s.api = &recording{next: api}
	s.fake = &recording{next: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{}}`)
	})}
	apiSrv, fakeSrv := httptest.NewServer(s.api), httptest.NewServer(s.fake)
	t.Cleanup(apiSrv.Close)
	t.Cleanup(fakeSrv.Close)
	ops := graphqlOperations()
	limited := graphqlOperations()
	limited.Mutation.Limit = gateway.Limit{Requests: 1, Per: time.Minute}
	limited.Mutation.Fields["createArticle"] = gateway.Access{Limit: gateway.Limit{Requests: 1, Per: time.Hour}}
	anonymous := []string{gateway.AuthAnonymous}
	cfg := gateway.Config{
		Consumers: []gateway.Consumer{{Name: "writer", Tier: gateway.TierGold, APIKeys: []string{writerKey}, Subjects: []string{"writer-client"}}},
		Tiers:     map[string]gateway.Limit{gateway.TierUnauthenticated: {}, gateway.TierGold: {}},
		JWT:       gateway.JWT{Keys: []gateway.JWTKey{{ID: "hmac", Secret: string(s.secret)}}},
		Upstreams: map[string]gateway.Upstream{
			"api":  {Targets: []gateway.Target{{URL: apiSrv.URL}}},
			"fake": {Targets: []gateway.Target{{URL: fakeSrv.URL}}},
		},
		Routes: []gateway.Route{
			{Name: "graphql", Path: "/graphql", Upstream: "api", Auth: anonymous, WebSocket: true,
				GraphQL: &gateway.GraphQL{Operations: ops}},
			{Name: "checked", Path: "/checked/graphql", StripPrefix: "/checked", Upstream: "api", Auth: anonymous,
				GraphQL: &gateway.GraphQL{SchemaFile: "../graphqlapi/schema.graphqls", MaxDepth: 3, MaxComplexity: 100, Operations: ops}},
			{Name: "loose", Path: "/loose/graphql", Upstream: "fake", Auth: anonymous,
				GraphQL: &gateway.GraphQL{Batching: true, MaxDepth: 3, MaxComplexity: 50, Operations: ops}},
			{Name: "limited", Path: "/limited/graphql", Upstream: "fake", Auth: anonymous,
				GraphQL: &gateway.GraphQL{Operations: limited}},
			{Name: "defaults", Path: "/defaults/graphql", Upstream: "fake", Auth: anonymous,
				GraphQL: &gateway.GraphQL{SchemaFile: "../graphqlapi/schema.graphqls", Operations: ops,
					MaxDepth: graphqlapi.DefaultMaxDepth, MaxComplexity: graphqlapi.DefaultMaxComplexity}},
		},
	}
	s.gw, s.srv = serveGateway(t, cfg, edit...)
	return s
}

// token is a JWT of the writer, with scopes.
func (s *gqlStack) token(scopes string) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "writer-client",
		"exp": time.Now().Add(time.Hour).Unix(), "scope": scopes})
	tok.Header["kid"] = "hmac"
	signed, err := tok.SignedString(s.secret)
	if err != nil {
		s.t.Fatal(err)
	}
	return "Bearer " + signed
}

// gqlAnswer is a GraphQL response as a client reads it.
type gqlAnswer struct {
	resp   *http.Response
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code   string `json:"code"`
			Type   string `json:"type"`
			Status int    `json:"status"`
		} `json:"extensions"`
	} `json:"errors"`
}

// code is the answer's only error's code, "" without errors.
func (a gqlAnswer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	return a.Errors[0].Extensions.Code
}

// post sends body to the route at path; headers come in name, value
// pairs, Content-Type application/json unless they set it.
func (s *gqlStack) post(path, body string, headers ...string) gqlAnswer {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return s.send(req, headers...)
}

func (s *gqlStack) send(req *http.Request, headers ...string) gqlAnswer {
	s.t.Helper()
	resp, raw := roundTrip(s.t, req, headers...)
	a := gqlAnswer{resp: resp}
	if err := json.Unmarshal(raw, &a); err != nil {
		s.t.Fatalf("%s %s: %d, not GraphQL JSON: %s", req.Method, req.URL, resp.StatusCode, raw)
	}
	return a
}

// request is a GraphQL request body.
func request(query string, more ...any) string {
	m := map[string]any{"query": query}
	for i := 0; i+1 < len(more); i += 2 {
		m[more[i].(string)] = more[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

const createArticle = `createArticle(input: {title: "Hidden"}) { id }`

// Operations are classified by what they are, however they are dressed:
// an alias, a fragment, an inline fragment, a second operation, a batch, a
// differently cased or repeated key. A refusal never reaches the upstream
// and is a GraphQL response with the problem's status.
func TestGraphQLClassification(t *testing.T) {
	s := newGQLStack(t)
	key := []string{"apikey", writerKey}
	for _, tt := range []struct {
		name, path, body string
		headers          []string
		status           int
		code             string // the refusal's; "" when it passes
	}{
		{"an anonymous query", "/graphql", request(`{ getArticles { id } }`), nil, 200, ""},
		{"an anonymous mutation", "/graphql", request(`mutation { ` + createArticle + ` }`), nil, 401, "UNAUTHENTICATED"},
		{"a keyed mutation", "/graphql", request(`mutation { ` + createArticle + ` }`), key, 200, ""},
		{"a mutation with a token", "/graphql", request(`mutation { ` + createArticle + ` }`),
			[]string{"Authorization", s.token("")}, 200, ""},
		{"a mutation behind an alias", "/graphql", request(`mutation { harmless: ` + createArticle + ` }`), nil, 401, "UNAUTHENTICATED"},
		{"a mutation in a fragment", "/graphql",
			request(`mutation { ...F } fragment F on Mutation { ` + createArticle + ` }`), nil, 401, "UNAUTHENTICATED"},
		{"a mutation in a fragment of a fragment", "/graphql",
			request(`mutation { ...F } fragment F on Mutation { ...G } fragment G on Mutation { ` + createArticle + ` }`), nil, 401, "UNAUTHENTICATED"},
		{"a mutation in an inline fragment", "/graphql",
			request(`mutation { ... on Mutation { ` + createArticle + ` } }`), nil, 401, "UNAUTHENTICATED"},
		{"a query spreading a fragment on Mutation", "/graphql",
			request(`query { ...F } fragment F on Mutation { ` + createArticle + ` }`), nil, 401, "UNAUTHENTICATED"},
		{"the same, against the schema", "/checked/graphql",
			request(`query { ...F } fragment F on Mutation { ` + createArticle + ` }`), key, 422, "GRAPHQL_VALIDATION_FAILED"},
		{"the mutation of two operations", "/graphql",
			request(`query Q { getArticles { id } } mutation M { `+createArticle+` }`, "operationName", "M"), nil, 401, "UNAUTHENTICATED"},
		{"the query of two operations", "/graphql",
			request(`query Q { getArticles { id } } mutation M { `+createArticle+` }`, "operationName", "Q"), nil, 200, ""},
		{"two operations, none named", "/graphql",
			request(`query Q { getArticles { id } } mutation M { ` + createArticle + ` }`), key, 422, "GRAPHQL_VALIDATION_FAILED"},
		{"an operation the document lacks", "/graphql",
			request(`query Q { getArticles { id } }`, "operationName", "M"), nil, 422, "GRAPHQL_VALIDATION_FAILED"},
		{"two operations of one name", "/graphql",
			request(`query M { getArticles { id } } mutation M { `+createArticle+` }`, "operationName", "M"), key, 422, "GRAPHQL_VALIDATION_FAILED"},
		{"two fragments of one name", "/graphql",
			request(`query { ...F } fragment F on Query { getArticles { id } } fragment F on Mutation { ` + createArticle + ` }`), key, 422,
			"GRAPHQL_VALIDATION_FAILED"},
		{"a repeated key, the mutation last", "/graphql",
			`{"query": "{ getArticles { id } }", "query": "mutation { createArticle(input: {title: \"x\"}) { id } }"}`, nil, 401, "UNAUTHENTICATED"},
		{"a key in capitals", "/graphql", `{"QUERY": "mutation { createArticle(input: {title: \"x\"}) { id } }"}`, nil, 401, "UNAUTHENTICATED"},
		{"a batch where batching is off", "/graphql",
			`[{"query": "{ getArticles { id } }"}]`, key, 422, "BAD_REQUEST"},
		{"a batch with a mutation", "/loose/graphql",
			`[{"query": "{ a }"}, {"query": "mutation { createArticle }"}]`, nil, 401, "UNAUTHENTICATED"},
		{"a keyed batch with a mutation", "/loose/graphql",
			`[{"query": "{ a }"}, {"query": "mutation { createArticle }"}]`, key, 200, ""},
		{"an anonymous batch of queries", "/loose/graphql", `[{"query": "{ a }"}, {"query": "{ b }"}]`, nil, 200, ""},
		{"an empty batch", "/loose/graphql", `[]`, nil, 422, "BAD_REQUEST"},
		{"a document that does not parse", "/graphql", request(`{ getArticles { id }`), key, 400, "GRAPHQL_PARSE_FAILED"},
		{"a mutation that does not parse", "/graphql", request(`mutation { createArticle(`), nil, 400, "GRAPHQL_PARSE_FAILED"},
		{"not JSON", "/graphql", `{"query": `, nil, 400, "BAD_REQUEST"},
		{"JSON after the request", "/graphql", request(`{ getArticles { id } }`) + ` {"query": "mutation { x }"}`, nil, 400, "BAD_REQUEST"},
		{"no query", "/graphql", `{"operationName": "Q"}`, nil, 422, "BAD_REQUEST"},
		{"a query that is not a string", "/graphql", `{"query": 7}`, nil, 422, "BAD_REQUEST"},
		{"variables that are not an object", "/graphql", `{"query": "{ a }", "variables": [1]}`, nil, 422, "BAD_REQUEST"},
		{"a form", "/graphql", "query=mutation+%7B+x+%7D", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415,
			"UNSUPPORTED_MEDIA_TYPE"},
		{"a compressed body", "/graphql", request(`{ a }`), []string{"Content-Encoding", "gzip"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"a mutation field on Query, against the schema", "/checked/graphql", request(`{ ` + createArticle + ` }`), nil, 422,
			"GRAPHQL_VALIDATION_FAILED"},
		{"a query against the schema", "/checked/graphql", request(`{ getArticles(limit: 10) { id title } }`), nil, 200, ""},
		{"deleteArticle with a key", "/graphql", request(`mutation { deleteArticle(id: "1") }`), key, 401, "UNAUTHENTICATED"},
		{"deleteArticle without the scope", "/graphql", request(`mutation { deleteArticle(id: "1") }`),
			[]string{"Authorization", s.token("articles:write")}, 403, "FORBIDDEN"},
		{"deleteArticle with the scope", "/graphql", request(`mutation { deleteArticle(id: "1") }`),
			[]string{"Authorization", s.token("articles:delete")}, 200, ""},
		{"deleteArticle beside createArticle, with a key", "/graphql",
			request(`mutation { ` + createArticle + ` deleteArticle(id: "1") }`), key, 401, "UNAUTHENTICATED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			upstream := s.api
			if strings.HasPrefix(tt.path, "/loose") {
				upstream = s.fake
			}
			before, created := upstream.hits.Load(), count(t, s.svc)
			a := s.post(tt.path, tt.body, tt.headers...)
			if a.resp.StatusCode != tt.status || a.code() != tt.code {
				t.Fatalf("%d %+v, want %d %s", a.resp.StatusCode, a.Errors, tt.status, tt.code)
			}
			if tt.code == "" {
				if upstream.hits.Load() != before+1 {
					t.Fatal("the request did not reach the upstream")
				}
				return
			}
			if upstream.hits.Load() != before || count(t, s.svc) != created {
				t.Fatal("a refused request reached the upstream")
			}
			if len(a.Errors) != 1 || a.Errors[0].Message == "" || a.Errors[0].Extensions.Status != tt.status ||
				!strings.HasPrefix(a.Errors[0].Extensions.Type, "urn:articlekit:problem:") || a.Data != nil {
				t.Errorf("not a GraphQL request error: %+v, data %s", a.Errors, a.Data)
			}
			if ct := a.resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.status == 401 && a.resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

// count is how many articles svc has.
func count(t *testing.T, svc *articles.Service) int {
	t.Helper()
	page, err := svc.List(context.Background(), articles.ListQuery{Limit: articles.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Articles)
}

// The upstream gets exactly what the gateway classified: the request
// re-encoded, so that a repeated key or one in capitals cannot mean
// something else to it.
func TestGraphQLUpstreamGetsWhatWasClassified(t *testing.T) {
	s := newGQLStack(t)
	for _, tt := range []struct{ name, body, want string }{
		{"a repeated key, the query last", `{"query": "mutation { x }", "query": "{ a }"}`, `{"query":"{ a }"}`},
		{"keys in capitals", `{"Query": "{ a }", "OPERATIONNAME": null, "Variables": {"n": 1}}`, `{"query":"{ a }","variables":{"n":1}}`},
		{"unknown keys", `{"query": "{ a }", "doc": "mutation { x }"}`, `{"query":"{ a }"}`},
		{"a batch", `[{"query": "{ a }", "query": "{ b }"}, {"query": "{ c }"}]`, `[{"query":"{ b }"},{"query":"{ c }"}]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if a := s.post("/loose/graphql", tt.body); a.resp.StatusCode != 200 {
				t.Fatalf("%d %+v", a.resp.StatusCode, a.Errors)
			}
			if _, _, body := s.fake.last(); body != tt.want {
				t.Fatalf("the upstream got %s, want %s", body, tt.want)
			}
		})
	}
	t.Run("parameters in a POST's query string", func(t *testing.T) {
		// Some servers read these before the body's.
		a := s.post("/loose/graphql?operationName=M&query=mutation+%7B+x+%7D&page=2", request(`query Q { a } mutation M { b }`, "operationName", "Q"))
		if _, rawQuery, _ := s.fake.last(); a.resp.StatusCode != 200 || rawQuery != "page=2" {
			t.Fatalf("%d; the upstream got the query string %q", a.resp.StatusCode, rawQuery)
		}
	})
}

// GET carries queries in its query string; never a mutation (405, Allow:
// POST), however hidden.
func TestGraphQLOverGET(t *testing.T) {
	s := newGQLStack(t)
	get := func(params url.Values, headers ...string) gqlAnswer {
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/loose/graphql?"+params.Encode(), nil)
		return s.send(req, headers...)
	}
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	key := []string{"apikey", writerKey}
	for _, tt := range []struct {
		name    string
		params  url.Values
		headers []string
		status  int
		code    string
	}{
		{"a query", q("query", "{ a }"), nil, 200, ""},
		{"a query with variables", q("query", "query($n: Int) { a(limit: $n) }", "variables", `{"n": 2}`), nil, 200, ""},
		{"a mutation", q("query", "mutation { createArticle }"), key, 405, "METHOD_NOT_ALLOWED"},
		{"the mutation of two operations", q("query", "query Q { a } mutation M { b }", "operationName", "M"), key, 405,
			"METHOD_NOT_ALLOWED"},
		{"the query of two operations", q("query", "query Q { a } mutation M { b }", "operationName", "Q"), nil, 200, ""},
		{"a query spreading a fragment on Mutation", q("query", "{ ...F } fragment F on Mutation { b }"), key, 405,
			"METHOD_NOT_ALLOWED"},
		{"a repeated query", q("query", "{ a }", "query", "mutation { b }"), key, 422, "BAD_REQUEST"},
		{"variables that are not JSON", q("query", "{ a }", "variables", "{n: 1}"), nil, 400, "BAD_REQUEST"},
		{"an operation name without a query", q("operationName", "Q"), nil, 422, "BAD_REQUEST"},
		{"a document that does not parse", q("query", "{ a"), nil, 400, "GRAPHQL_PARSE_FAILED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.fake.hits.Load()
			a := get(tt.params, tt.headers...)
			if a.resp.StatusCode != tt.status || a.code() != tt.code {
				t.Fatalf("%d %+v, want %d %s", a.resp.StatusCode, a.Errors, tt.status, tt.code)
			}
			if tt.code == "" {
				if _, rawQuery, _ := s.fake.last(); s.fake.hits.Load() != before+1 || rawQuery != tt.params.Encode() {
					t.Fatalf("the upstream got %q", rawQuery)
				}
				return
			}
			if s.fake.hits.Load() != before {
				t.Fatal("a refused request reached the upstream")
			}
			if tt.status == 405 && a.resp.Header.Get("Allow") != "POST" {
				t.Errorf("Allow %q", a.resp.Header.Get("Allow"))
			}
		})
	}
	t.Run("another method", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, s.srv.URL+"/loose/graphql", strings.NewReader(request("{ a }")))
		a := s.send(req, "Content-Type", "application/json")
		if a.resp.StatusCode != 405 || a.code() != "METHOD_NOT_ALLOWED" || a.resp.Header.Get("Allow") != "GET, POST" {
			t.Fatalf("%d %+v %v", a.resp.StatusCode, a.Errors, a.resp.Header)
		}
	})
}

// max_depth and max_complexity refuse at the edge, through fragments and
// variables.
func TestGraphQLDepthAndComplexity(t *testing.T) {
	s := newGQLStack(t)
	for _, tt := range []struct {
		name, path, body string
		code             string
	}{
		{"3 deep", "/loose/graphql", request(`{ a { b { c } } }`), ""},
		{"4 deep", "/loose/graphql", request(`{ a { b { c { d } } } }`), "DEPTH_LIMIT_EXCEEDED"},
		{"4 deep through fragments", "/loose/graphql",
			request(`{ a { ...B } } fragment B on A { b { ...C } } fragment C on B { c { d } }`), "DEPTH_LIMIT_EXCEEDED"},
		{"4 deep in the operation named", "/loose/graphql",
			request(`query Shallow { a } query Deep { a { b { c { d } } } }`, "operationName", "Deep"), "DEPTH_LIMIT_EXCEEDED"},
		{"the shallow operation of a deep document", "/loose/graphql",
			request(`query Shallow { a } query Deep { a { b { c { d } } } }`, "operationName", "Shallow"), ""},
		{"a schema query is one field deep", "/loose/graphql", request(`{ __schema { types { fields { type { name } } } } }`), ""},
		{"a schema query as the third field", "/loose/graphql", request(`{ a { b { __type(name: "A") { name } } } }`), ""},
		{"a schema query below 3 fields", "/loose/graphql", request(`{ a { b { c { __schema { types { name } } } } } }`), "DEPTH_LIMIT_EXCEEDED"},
		{"a fragment cycle", "/loose/graphql", request(`{ ...A } fragment A on Query { a { ...A } }`), "GRAPHQL_VALIDATION_FAILED"},
		{"50 fields", "/loose/graphql", request(`{ a(limit: 7) { b c d e f g h } }`), ""},
		{"a list of 10 of 5 fields", "/loose/graphql", request(`{ a(first: 10) { b c d e f } }`), "COMPLEXITY_LIMIT_EXCEEDED"},
		{"the list's size in a variable", "/loose/graphql",
			request(`query($n: Int) { a(limit: $n) { b c d e f } }`, "variables", map[string]any{"n": 10}), "COMPLEXITY_LIMIT_EXCEEDED"},
		{"the list's size in a variable's default", "/loose/graphql",
			request(`query($n: Int = 10) { a(limit: $n) { b c d e f } }`), "COMPLEXITY_LIMIT_EXCEEDED"},
		{"a fragment spread many times", "/loose/graphql",
			request(`{ x: a { ...F } y: a { ...F } } fragment F on A { b c d e f g h i j k l m n o p q r s t u v w x y z }`),
			"COMPLEXITY_LIMIT_EXCEEDED"},
		{"an exponential fragment tree", "/loose/graphql", request(exponential(30)), "COMPLEXITY_LIMIT_EXCEEDED"},
		{"getArticles of 100, against the schema", "/checked/graphql", request(`{ getArticles(limit: 100) { id } }`),
			"COMPLEXITY_LIMIT_EXCEEDED"},
		{"getArticles of 10, against the schema", "/checked/graphql", request(`{ getArticles(limit: 10) { id title } }`), ""},
		// Validation grows with the square of a selection's repeated
		// fields: over 500, a document is not validated, whichever of its
		// operations is picked.
		{"more fields than are validated", "/checked/graphql",
			request(`query A { __typename } query B { getArticles { `+strings.Repeat("id ", 500)+` } }`, "operationName", "A"),
			"COMPLEXITY_LIMIT_EXCEEDED"},
		{"as many as are validated", "/checked/graphql",
			request(`query A { __typename } query B { getArticles { `+strings.Repeat("id ", 498)+` } }`, "operationName", "A"), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			upstream := s.fake
			if strings.HasPrefix(tt.path, "/checked") {
				upstream = s.api
			}
			before := upstream.hits.Load()
			start := time.Now()
			a := s.post(tt.path, tt.body)
			if a.code() != tt.code {
				t.Fatalf("%d %+v, want %s", a.resp.StatusCode, a.Errors, tt.code)
			}
			if tt.code == "" {
				if a.resp.StatusCode != 200 || upstream.hits.Load() != before+1 {
					t.Fatalf("%d; the upstream saw %d", a.resp.StatusCode, upstream.hits.Load()-before)
				}
				return
			}
			if a.resp.StatusCode != 422 || upstream.hits.Load() != before {
				t.Fatalf("%d; the upstream saw %d", a.resp.StatusCode, upstream.hits.Load()-before)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Logf("took %s", d) // no assertion on time: a benchmark's matter
			}
		})
	}
}

// GraphiQL's schema query, and graphql-js's, pass the GraphQL API's
// default limits at the edge too: a schema query (__schema, __type) is one
// field deep, as the API counts it, so the docs explorer works through the
// gateway.
func TestGraphQLIntrospectionWithinDefaultLimits(t *testing.T) {
	s := newGQLStack(t)
	for _, file := range []string{"graphiql-introspection.graphql", "introspection.graphql"} {
		t.Run(file, func(t *testing.T) {
			query, err := os.ReadFile(filepath.Join("../graphqlapi/testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			before := s.fake.hits.Load()
			if a := s.post("/defaults/graphql", request(string(query))); a.resp.StatusCode != 200 || len(a.Errors) > 0 {
				t.Fatalf("%d %+v", a.resp.StatusCode, a.Errors)
			}
			if s.fake.hits.Load() != before+1 {
				t.Fatal("the upstream did not get the schema query")
			}
		})
	}
}

// exponential is a document of n fragments each spreading the next twice:
// 2^n fields, were they expanded.
func exponential(n int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }")
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Query { d }", n)
	return b.String()
}

// Refusals keep their status and headers, in the GraphQL shape: the media
// type the client accepts, Retry-After and RateLimit-* on a 429, the 401's
// detail as the message.
func TestGraphQLRefusalShapes(t *testing.T) {
	s := newGQLStack(t)
	mutation := request(`mutation { ` + createArticle + ` }`)
	t.Run("the media type the client prefers", func(t *testing.T) {
		a := s.post("/graphql", mutation, "Accept", "application/graphql-response+json, application/json;q=0.9")
		if ct := a.resp.Header.Get("Content-Type"); a.resp.StatusCode != 401 || ct != "application/graphql-response+json" {
			t.Fatalf("%d %s", a.resp.StatusCode, ct)
		}
		if a := s.post("/graphql", mutation, "Accept", "application/json"); a.resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s", a.resp.Header.Get("Content-Type"))
		}
	})
	t.Run("the 401 says what is wrong", func(t *testing.T) {
		for _, tt := range []struct {
			headers []string
			message string
		}{
			{nil, "no credentials: send an API key (apikey or X-API-Key header) or a bearer token (JWT)"},
			{[]string{"apikey", "unknown-key-0123456789ab"}, "the API key is not valid"},
			{[]string{"Authorization", "Bearer not.a.token"}, "the bearer token is not valid"},
		} {
			a := s.post("/graphql", mutation, tt.headers...)
			if a.resp.StatusCode != 401 || len(a.Errors) != 1 || a.Errors[0].Message != tt.message {
				t.Errorf("%v: %d %+v, want %q", tt.headers, a.resp.StatusCode, a.Errors, tt.message)
			}
			if got := a.resp.Header.Get("WWW-Authenticate"); got != `ApiKey realm="articlekit", header="apikey", Bearer realm="articlekit"` {
				t.Errorf("WWW-Authenticate %q", got)
			}
		}
		a := s.post("/graphql", request(`mutation { deleteArticle(id: "1") }`), "apikey", writerKey)
		if a.Errors[0].Message != "not accepted here: an API key (apikey or X-API-Key header); send a bearer token (JWT)" {
			t.Errorf("%+v", a.Errors)
		}
	})
	t.Run("operation and field limits", func(t *testing.T) {
		key := []string{"apikey", writerKey}
		if a := s.post("/limited/graphql", request(`mutation { createArticle }`), key...); a.resp.StatusCode != 200 {
			t.Fatalf("the first mutation: %d %+v", a.resp.StatusCode, a.Errors)
		}
		before := s.fake.hits.Load()
		a := s.post("/limited/graphql", request(`mutation { updateArticle }`), key...)
		if a.resp.StatusCode != 429 || a.code() != "RATE_LIMITED" || a.resp.Header.Get("Retry-After") == "" ||
			a.resp.Header.Get("RateLimit-Remaining") != "0" || !strings.Contains(a.Errors[0].Message, "operation") {
			t.Fatalf("the second mutation: %d %+v %v", a.resp.StatusCode, a.Errors, a.resp.Header)
		}
		if a := s.post("/limited/graphql", request(`{ a }`)); a.resp.StatusCode != 200 {
			t.Fatalf("a query beside: %d %+v", a.resp.StatusCode, a.Errors)
		}
		if s.fake.hits.Load() != before+1 {
			t.Fatal("the refused mutation reached the upstream")
		}
	})
	t.Run("a batch counts each operation", func(t *testing.T) {
		s := newGQLStack(t, func(c *gateway.Config) {
			c.Routes[2].GraphQL.Operations.Query.Limit = gateway.Limit{Requests: 3, Per: time.Hour}
		})
		if a := s.post("/loose/graphql", `[{"query": "{ a }"}, {"query": "{ b }"}]`); a.resp.StatusCode != 200 {
			t.Fatalf("%d %+v", a.resp.StatusCode, a.Errors)
		}
		if a := s.post("/loose/graphql", `[{"query": "{ a }"}, {"query": "{ b }"}]`); a.resp.StatusCode != 429 {
			t.Fatalf("four queries of a limit of three: %d %+v", a.resp.StatusCode, a.Errors)
		}
	})
}

// A GraphQL route's settings load from YAML, and what is wrong with them
// is reported with the rest.
func TestGraphQLConfig(t *testing.T) {
	good := `
upstreams: {graphql: {targets: [{url: "http://127.0.0.1:8000"}]}}
jwt: {keys: [{secret: a-shared-secret-of-enough-length}]}
routes:
  - name: graphql
    path: /graphql
    upstream: graphql
    auth: [anonymous]
    websocket: true
    graphql:
      schema_file: ../graphqlapi/schema.graphqls
      max_depth: 8
      max_complexity: 2000
      operations:
        query: {auth: [anonymous]}
        subscription: {auth: [anonymous], limit: {requests: 100, per: 1m}}
        mutation:
          auth: [apikey, jwt]
          fields:
            deleteArticle: {auth: [jwt], scopes: ["articles:delete"], limit: {requests: 10, per: 1m}}
`
	cfg, err := gateway.ParseConfig(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.Routes[0].GraphQL
	if g == nil || g.MaxDepth != 8 || g.Operations.Mutation.Auth[1] != gateway.AuthJWT ||
		g.Operations.Mutation.Fields["deleteArticle"].Scopes[0] != "articles:delete" || g.Operations.Subscription.Limit.Requests != 100 {
		t.Fatalf("%+v", g)
	}
	gw, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	c := gw.Config()
	c.Routes[0].GraphQL.Operations.Mutation.Auth[0] = gateway.AuthAnonymous
	c.Routes[0].GraphQL.Operations.Mutation.Fields["deleteArticle"] = gateway.Access{}
	if again := gw.Config().Routes[0].GraphQL.Operations.Mutation; again.Auth[0] != gateway.AuthAPIKey || len(again.Fields["deleteArticle"].Auth) == 0 {
		t.Fatalf("changing a returned config changed the gateway's: %+v", again)
	}

	bad := `
upstreams: {graphql: {targets: [{url: "http://127.0.0.1:8000"}]}}
routes:
  - name: a
    path: /a
    upstream: graphql
    methods: [GET, PUT]
    auth: [anonymous]
    request: {remove_fields: [query]}
    graphql:
      schema: "type Query { a: Int } type Mutation { b: Int }"
      schema_file: a.graphqls
      max_depth: -1
  - name: b
    path: /b
    upstream: graphql
    auth: [anonymous]
    graphql:
      schema: "type Query { a: Int } type Mutation { b: Int }"
      operations:
        query: {auth: [anonymous], scopes: [x]}
        mutation: {auth: [jwt, magic], limit: {requests: 1}, fields: {c: {}, "1x": {}, b: {auth: [anonymous, apikey]}}}
        subscription: {fields: {s: {}}}
  - name: c
    path: /c
    upstream: graphql
    auth: [anonymous]
    graphql: {schema: "type Query { a: Nope }"}
`
	_, err = gateway.ParseConfig(strings.NewReader(bad))
	for _, want := range []string{
		`route "a": graphql: schema and schema_file are both set`,
		`route "a": graphql: max_depth and max_complexity cannot be negative`,
		`route "a": graphql: request field changes`,
		`route "a": graphql: method PUT`,
		`route "b": graphql query: scopes need jwt auth`,
		`route "b": graphql mutation: unknown auth "magic"`,
		`route "b": graphql mutation: jwt auth without`,
		`route "b": graphql mutation: a limit without a period`,
		`route "b": graphql mutation field "c": the schema's Mutation type has no such field`,
		`route "b": graphql mutation field "1x": not a GraphQL name`,
		`route "b": graphql mutation field "b": anonymous excludes other schemes`,
		`route "b": graphql subscription: the schema has no subscription type`,
		`route "c": graphql: schema:`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	missing := strings.Replace(good, "../graphqlapi/schema.graphqls", "nowhere.graphqls", 1)
	cfg, err = gateway.ParseConfig(strings.NewReader(missing))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gateway.New(cfg); err == nil || !strings.Contains(err.Error(), `route "graphql": graphql schema_file`) {
		t.Fatalf("a missing schema file: %v", err)
	}
}

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
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/graphqlapi"
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

// No request may crash a GraphQL route, get a 5xx from the gateway, or
// run a mutation without the API key: on the GraphQL API (over SQLite, one
// article in it) an anonymous request changes nothing, and no document
// whose operation is a mutation reaches the fake upstream of the batching
// route anonymously, in its body or its query string (which some servers
// read first). A request is body as it is when set, else document and
// operationName as a JSON POST or, with get, a GET; a POST's URL has
// rawQuery.
func FuzzGraphQLRoute(f *testing.F) {
	const create = `createArticle(input: {title: "x"}) { id }`
	for _, seed := range []string{
		`{ getArticles { id } }`, `mutation { ` + create + ` }`, `mutation { a: ` + create + ` }`,
		`mutation { ...F } fragment F on Mutation { ` + create + ` }`, `query { ...F } fragment F on Mutation { ` + create + ` }`,
		`{ ... on Mutation { ` + create + ` } }`, `query Q { getArticles { id } } mutation M { ` + create + ` }`,
		`mutation { deleteArticle(id: "1") }`, `mutation { updateArticle(id: "1", input: {title: "y"}) { id } }`,
		`{ getArticles(limit: 1000) { id title tags } }`, `{ ...A } fragment A on Query { ...A }`, `{`, `mutation {`, "",
	} {
		f.Add(seed, "", "", "", false, false)
		f.Add(seed, "M", "", "", true, false)
	}
	for _, body := range []string{
		`{"query": "{ getArticles { id } }", "query": "mutation { createArticle(input: {title: \"x\"}) { id } }"}`,
		`{"QUERY": "mutation { deleteArticle(id: \"1\") }"}`,
		`[{"query": "{ a }"}, {"query": "mutation { createArticle(input: {title: \"x\"}) { id } }"}]`,
		`{"query": "mutation M { deleteArticle(id: \"1\") } query Q { a }", "operationName": "M"}`,
		`{"query": "{ a }"} {"query": "mutation { deleteArticle(id: \"1\") }"}`, `{"query": 1}`, `[]`, `null`, `{`,
	} {
		f.Add("", "", body, "", false, false)
	}
	f.Add("{ a }", "", "", "query=mutation+%7B+deleteArticle%28id%3A+%221%22%29+%7D", false, false)
	f.Add("query Q { a } mutation M { b }", "Q", "", "operationName=M", false, false)
	svc := articlestest.NewService(f, "sqlite://:memory:")
	if _, err := svc.Create(context.Background(), articles.Draft{Title: "seed"}); err != nil {
		f.Fatal(err)
	}
	api, err := graphqlapi.New(graphqlapi.InProcess(svc), graphqlapi.Config{DisablePlayground: true})
	if err != nil {
		f.Fatal(err)
	}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	var smuggled atomic.Value // a mutation the fake upstream got anonymously
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Consumer") == "anonymous" {
			if m := mutationIn(r); m != "" {
				smuggled.Store(m)
			}
		}
		_, _ = io.WriteString(w, `{"data":{}}`)
	}))
	defer fake.Close()
	g, err := gateway.New(gateway.Config{
		Consumers: []gateway.Consumer{{Name: "app", APIKeys: []string{goldKey}}},
		Tiers:     map[string]gateway.Limit{gateway.TierUnauthenticated: {}},
		JWT:       gateway.JWT{Keys: []gateway.JWTKey{{Secret: "a shared secret of enough length!"}}},
		Upstreams: map[string]gateway.Upstream{
			"api": {Targets: []gateway.Target{{URL: apiSrv.URL}}}, "fake": {Targets: []gateway.Target{{URL: fake.URL}}},
		},
		Routes: []gateway.Route{
			{Name: "graphql", Path: "/graphql", Upstream: "api", Auth: []string{"anonymous"}, GraphQL: &gateway.GraphQL{
				MaxDepth: 5, MaxComplexity: 500, Operations: graphqlOperations()}},
			{Name: "loose", Path: "/loose/graphql", Upstream: "fake", Auth: []string{"anonymous"}, GraphQL: &gateway.GraphQL{
				Batching: true, Operations: graphqlOperations()}},
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	defer g.Close()
	state := func(t *testing.T) string {
		page, err := svc.List(context.Background(), articles.ListQuery{Limit: articles.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(page.Articles)
	}
	f.Fuzz(func(t *testing.T, document, operationName, body, rawQuery string, get, keyed bool) {
		for _, path := range []string{"/graphql", "/loose/graphql"} {
			target := "http://gw" + path
			if rawQuery != "" {
				target += "?" + rawQuery
			}
			var req *http.Request
			var err error
			switch {
			case get:
				req, err = http.NewRequest(http.MethodGet, "http://gw"+path+"?"+url.Values{"query": {document}, "operationName": {operationName}}.Encode(), nil)
			case body != "":
				req, err = http.NewRequest(http.MethodPost, target, strings.NewReader(body))
			default:
				b, _ := json.Marshal(map[string]string{"query": document, "operationName": operationName})
				req, err = http.NewRequest(http.MethodPost, target, bytes.NewReader(b))
			}
			if err != nil {
				return // not a URL
			}
			if !get {
				req.Header.Set("Content-Type", "application/json")
			}
			if keyed {
				req.Header.Set("apikey", goldKey)
			}
			before := state(t)
			smuggled.Store("")
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %s: %d %s", req.Method, path, rec.Code, rec.Body)
			}
			if !keyed && state(t) != before {
				t.Fatalf("an anonymous %s changed the articles: %q %q %q", req.Method, document, operationName, body)
			}
			if m := smuggled.Load().(string); m != "" {
				t.Fatalf("the upstream got a mutation anonymously: %s", m)
			}
		}
	})
}

// mutationIn is the first document of the GraphQL request r carries
// (POST, one or a batch, or GET; in a POST's query string too) whose
// operation — the one its operationName picks, as gqlgen picks it — is a
// mutation, or selects fields on Mutation; "" when there is none.
func mutationIn(r *http.Request) string {
	var requests []struct{ Query, OperationName string }
	requests = append(requests, struct{ Query, OperationName string }{r.URL.Query().Get("query"), r.URL.Query().Get("operationName")})
	if r.Method != http.MethodGet {
		body, _ := io.ReadAll(r.Body)
		var batch []struct{ Query, OperationName string }
		if err := json.Unmarshal(body, &batch); err != nil {
			one := struct{ Query, OperationName string }{}
			_ = json.Unmarshal(body, &one)
			batch = append(batch[:0], one)
		}
		for _, q := range batch {
			// A server reading the query string first takes its
			// parameters over the body's.
			if u := requests[0]; u.Query != "" {
				q.Query = u.Query
			}
			if u := requests[0]; u.OperationName != "" {
				q.OperationName = u.OperationName
			}
			requests = append(requests, q)
		}
	}
	for _, q := range requests {
		doc, err := parser.ParseQuery(&ast.Source{Input: q.Query})
		if err != nil {
			continue
		}
		op := doc.Operations.ForName(q.OperationName)
		if op != nil && (op.Operation == ast.Mutation || onMutation(doc, op.SelectionSet, 0)) {
			return q.Query
		}
	}
	return ""
}

// onMutation reports whether set spreads a fragment, or has an inline
// fragment, on Mutation.
func onMutation(doc *ast.QueryDocument, set ast.SelectionSet, depth int) bool {
	if depth > 50 {
		return false
	}
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.InlineFragment:
			if sel.TypeCondition == "Mutation" || onMutation(doc, sel.SelectionSet, depth+1) {
				return true
			}
		case *ast.FragmentSpread:
			if def := doc.Fragments.ForName(sel.Name); def != nil && (def.TypeCondition == "Mutation" || onMutation(doc, def.SelectionSet, depth+1)) {
				return true
			}
		}
	}
	return false
}

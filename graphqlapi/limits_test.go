package graphqlapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/graphqlapi"
)

func TestLimits(t *testing.T) {
	s := backends[0].make(t, graphqlapi.Config{MaxDepth: 4, MaxComplexity: 500, MaxBodyBytes: 4096})
	shallow := backends[0].make(t, graphqlapi.Config{MaxDepth: 1})
	closed := backends[0].make(t, graphqlapi.Config{DisableIntrospection: true})
	fields := strings.Repeat("id title ", 1)
	deepIntrospection := `{ __type(name: "Article") { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } }`
	tests := []struct {
		name, query string
		on          *stack // default s
		code        string
	}{
		{"depth", `{ getArticles { id } __typename }`, nil, ""},
		{"too deep", `{ getArticles { id } }`, shallow, graphqlapi.CodeDepthExceeded},
		{"too deep through a fragment", `{ ...F } fragment F on Query { a: getArticles { ...G } } fragment G on Article { id }`, shallow, graphqlapi.CodeDepthExceeded},
		{"introspection counts as one field", deepIntrospection, shallow, ""},
		{"introspection in a fragment counts as one field", `{ ...F } fragment F on Query { __schema { types { fields { type { ofType { name } } } } } }`, shallow, ""},
		{"introspection lists nested past gqlparser's limit", `{ __type(name: "Article") { fields { type { fields { type { fields { name } } } } } } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"complex enough", `{ getArticles(limit: 100) { ` + fields + ` } }`, nil, ""},
		{"too complex", `{ getArticles(limit: 300) { ` + fields + ` } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"too complex by aliases", `{ a: getArticles { id } b: getArticles { id } c: getArticles { id } d: getArticles { id } e: getArticles { id } f: getArticles { id } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"introspection on", `{ __schema { queryType { name } } }`, nil, ""},
		{"introspection off", `{ __schema { types { name } } }`, closed, "GRAPHQL_VALIDATION_FAILED"},
		{"introspection off, in a fragment", `{ ...F } fragment F on Query { __type(name: "Article") { name } }`, closed, "GRAPHQL_VALIDATION_FAILED"},
		{"__typename stays allowed", `{ __typename }`, closed, ""},
		{"subscription over POST", `subscription { articleChanged { id } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.on
			if target == nil {
				target = s
			}
			target.do(tt.query).expect(t, tt.code)
		})
	}
	t.Run("the depth refused is the real one", func(t *testing.T) {
		// The limit applies before the transport's: over POST this
		// subscription is refused for its depth, 3.
		err := shallow.do(`subscription { articleChanged { article { id } } }`).onlyError(t)
		if want := "operation is nested 3 fields deep; the limit is 1"; err.code() != graphqlapi.CodeDepthExceeded || err.Message != want {
			t.Fatalf("error %+v, want %s: %q", err, graphqlapi.CodeDepthExceeded, want)
		}
	})
	t.Run("body too large", func(t *testing.T) {
		big := []byte(`{"query":"{ getArticles { id } }","variables":{"pad":"` + strings.Repeat("x", 5000) + `"}}`)
		for _, chunked := range []bool{false, true} {
			var body io.Reader = bytes.NewReader(big)
			if chunked {
				body = io.MultiReader(bytes.NewReader(big)) // no length: sent chunked
			}
			req, _ := http.NewRequest("POST", s.gql.URL+graphqlapi.Endpoint, body)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("chunked=%v: status %d, want 413", chunked, resp.StatusCode)
			}
		}
	})
}

// blocking is a Backend whose reads wait for the request to end.
type blocking struct{ graphqlapi.Backend }

func (blocking) Get(ctx context.Context, _ int64) (articles.Article, error) {
	<-ctx.Done()
	return articles.Article{}, ctx.Err()
}

// failing is a Backend whose reads fail with internal details.
type failing struct{ graphqlapi.Backend }

func (failing) Get(context.Context, int64) (articles.Article, error) {
	return articles.Article{}, errors.New("pq: password authentication failed for user \"secret\"")
}

func (failing) List(context.Context, articles.ListQuery) (articles.Page, error) {
	panic("secret panic")
}

func TestTimeoutAndInternalErrors(t *testing.T) {
	slow := newStack(t, articlesForTest(t), nil, blocking{}, graphqlapi.Config{Timeout: 50 * time.Millisecond})
	if err := slow.do(`{ getArticle(id: 1) { id } }`).onlyError(t); err.code() != graphqlapi.CodeTimeout {
		t.Fatalf("slow query error %+v, want TIMEOUT", err)
	}

	broken := newStack(t, articlesForTest(t), nil, failing{}, graphqlapi.Config{})
	for _, q := range []string{`{ getArticle(id: 1) { id } }`, `{ getArticles { id } }`} {
		err := broken.do(q).onlyError(t)
		if err.code() != graphqlapi.CodeInternal || strings.Contains(err.Message, "secret") || strings.Contains(err.Message, "pq") {
			t.Fatalf("%s: error %+v, want a bare INTERNAL_SERVER_ERROR", q, err)
		}
	}
	if n := broken.logs.FilterMessage("resolver failed").Len() + broken.logs.FilterMessage("resolver panicked").Len(); n < 2 {
		t.Fatalf("internal failures logged %d times, want both logged", n)
	}
}

func TestRESTDown(t *testing.T) {
	s := backends[1].make(t, graphqlapi.Config{})
	s.rest.Close()
	for _, q := range []string{
		`{ getArticle(id: 1) { id } }`,
		`{ getArticles { id } }`,
		`mutation { createArticle(input: {title: "x"}) { id } }`,
		`mutation { deleteArticle(id: 1) }`,
	} {
		err := s.do(q).onlyError(t)
		if err.code() != graphqlapi.CodeUnavailable || strings.Contains(err.Message, "127.0.0.1") {
			t.Fatalf("%s with REST down: %+v, want UNAVAILABLE without internals", q, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub := s.subscribe(ctx, `subscription { articleChanged { id } }`, nil)
	// The failure arrives as a result with errors, then the subscription completes.
	if msg := sub.next(ctx); msg["type"] != "next" || !strings.Contains(fmtJSON(msg["payload"]), `"code":"UNAVAILABLE"`) {
		t.Fatalf("subscription with REST down: %v, want an UNAVAILABLE error", msg)
	}
	if msg := sub.next(ctx); msg["type"] != "complete" {
		t.Fatalf("after the error: %v, want complete", msg)
	}
}

func TestOperationMetrics(t *testing.T) {
	s := backends[0].make(t, graphqlapi.Config{})
	s.do(`{ getArticle(id: 1) { id } }`)
	s.do(`{ a: getArticle(id: 1) { id } b: getArticles { id } }`)
	s.do(`{ getArticle(id: "x") { id } }`)
	s.do(`{`)
	want := `
# HELP graphql_operations_total GraphQL responses, by root field, operation type and outcome (ok or error code).
# TYPE graphql_operations_total counter
graphql_operations_total{operation="getArticle",outcome="BAD_USER_INPUT",type="query"} 1
graphql_operations_total{operation="getArticle",outcome="ok",type="query"} 1
graphql_operations_total{operation="getArticle+getArticles",outcome="ok",type="query"} 1
graphql_operations_total{operation="unknown",outcome="GRAPHQL_PARSE_FAILED",type="unknown"} 1
`
	if err := testutil.GatherAndCompare(s.reg, strings.NewReader(want), "graphql_operations_total"); err != nil {
		t.Fatal(err)
	}
	if n, _ := testutil.GatherAndCount(s.reg, "graphql_operation_duration_seconds"); n != 2 {
		t.Fatalf("duration series = %d, want 2", n)
	}
	families, _ := s.reg.Gather()
	for _, mf := range families {
		if mf.GetName() != "http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && l.GetValue() != graphqlapi.Endpoint {
					t.Fatalf("http_requests_total has route %q, want only %s", l.GetValue(), graphqlapi.Endpoint)
				}
			}
		}
	}
}

package graphqlapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/graphqlapi"
)

// No request body, POSTed or as a GET's query string, may crash the
// server, produce a 5xx or an internal error, or answer with anything but
// a GraphQL response whose errors all carry a code.
func FuzzGraphQL(f *testing.F) {
	for _, seed := range []string{
		`{"query":"{ getArticles { id title } }"}`,
		`{"query":"query($id: ID!) { getArticle(id: $id) { id } }","variables":{"id":"1"}}`,
		`{"query":"mutation { createArticle(input: {title: \"x\", tags: [\"a\"]}) { id } }"}`,
		`{"query":"mutation($v: Int) { updateArticle(id: 1, input: {title: \"y\"}, expectedVersion: $v) { id } }","variables":{"v":-5}}`,
		`{"query":"{ __schema { types { fields { type { ofType { ofType { name } } } } } } }"}`,
		`{"query":"{ ...F } fragment F on Query { ...F }"}`,
		`{"query":"{ getArticles(limit: 99999999999) { id } }"}`,
		`{"query":"subscription { articleChanged { id } }"}`,
		`{"query":"{ getArticle(id: \"\\u0000\") { id } }"}`,
		`{"query": 5}`, `[]`, `{`, ``,
		`{"query":"{ __typename }","variables":[1]}`, `{"query":"{ __typename }"} {}`, `"x"`, `null`, `{"query":null}`,
		// As GET query strings.
		`query=%7B+getArticles+%7B+id+%7D+%7D`,
		`query=mutation+%7B+deleteArticle%28id%3A+1%29+%7D`,
		`query=query+A+%7B+__typename+%7D+mutation+B+%7B+deleteArticle%28id%3A+1%29+%7D&operationName=B`,
		`query=query%28%24n%3A+Int%29+%7B+getArticles%28limit%3A+%24n%29+%7B+id+%7D+%7D&variables=%7B%22n%22%3A-1%7D`,
		`query=%7B__typename%7D&variables=%5B%5D&extensions=5`,
		`query=%zz;x`,
	} {
		f.Add(seed)
	}
	// From the attack run: each kept a CPU busy for seconds once.
	for _, query := range []string{
		"{ getArticles(limit: 1) { " + strings.Repeat("id ", 20000) + "} }",
		"{ getArticles(limit: 1) { " + strings.Repeat("id ", 600) + "} }",
		"{ " + strings.Repeat("a: getArticle(id: 1) { id } ", 4000) + "}",
		"{ getArticles(limit: 1) { ...G } } fragment G on Article { " + strings.Repeat("...F ", 40) + "} fragment F on Article { " +
			strings.Repeat("id ", 40) + "}",
		"{ getArticles(limit: 1) { id " + strings.Repeat("@include(if: true) ", 200) + "} }",
	} {
		body, _ := json.Marshal(map[string]string{"query": query})
		f.Add(string(body))
	}
	svc := articlestest.NewService(f, "sqlite://:memory:")
	api, err := graphqlapi.New(graphqlapi.InProcess(svc), graphqlapi.Config{MaxBodyBytes: 64 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		post := httptest.NewRequest(http.MethodPost, graphqlapi.Endpoint, strings.NewReader(body))
		post.Header.Set("Content-Type", "application/json")
		get := httptest.NewRequest(http.MethodGet, graphqlapi.Endpoint, nil)
		get.URL.RawQuery = body
		get.Header.Set("Accept", "application/json")
		for _, req := range []*http.Request{post, get} {
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s: status %d for %q: %s", req.Method, rec.Code, body, rec.Body)
			}
			var resp struct {
				Data   json.RawMessage `json:"data"`
				Errors []gqlError      `json:"errors"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("%s: answer to %q is not a GraphQL response: %d %s", req.Method, body, rec.Code, rec.Body)
			}
			for _, e := range resp.Errors {
				if e.code() == "" || e.code() == graphqlapi.CodeInternal {
					t.Fatalf("%s: error without a code, or internal, for %q: %+v", req.Method, body, e)
				}
			}
		}
	})
}

package graphqlapi_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/graphqlapi"
)

// repeat is n copies of s, space-separated.
func repeat(s string, n int) string { return strings.TrimSpace(strings.Repeat(s+" ", n)) }

// Documents whose parsing or validation would cost far more than their
// answer — the attack run's repeated fields and aliases among them — are
// refused before validation.
func TestDocumentLimits(t *testing.T) {
	s := backends[0].make(t, graphqlapi.Config{})
	spreadTen := repeat("...F", 10)
	tests := []struct {
		name, query, code string
	}{
		{"20000 repeated fields (60 KB)", `{ getArticles(limit: 1) { ` + repeat("id", 20000) + ` } }`, "GRAPHQL_PARSE_FAILED"},
		{"1000 repeated fields", `{ getArticles(limit: 1) { ` + repeat("id", 1000) + ` } }`, graphqlapi.CodeDocumentLimit},
		{"4000 aliases", `{ ` + aliases(4000) + ` }`, "GRAPHQL_PARSE_FAILED"},
		{"100 aliases", `{ ` + aliases(100) + ` }`, graphqlapi.CodeDocumentLimit},
		{"fragments spread into thousands of fields",
			`{ getArticles(limit: 1) { ...G } } fragment G on Article { ` + spreadTen + ` } fragment F on Article { ` + repeat("id", 60) + ` }`,
			graphqlapi.CodeDocumentLimit},
		{"a fragment cycle", `{ getArticles(limit: 1) { ...A } } fragment A on Article { id ...B } fragment B on Article { ...A }`, graphqlapi.CodeDocumentLimit},
		{"many directives", `{ getArticles(limit: 1) { id ` + repeat("@include(if: true)", 60) + ` } }`, graphqlapi.CodeDocumentLimit},
		{"within every limit", `{ getArticles(limit: 1) { ` + repeat("id", 400) + ` } }`, ""},
		{"the widest fragments allowed", `{ getArticles(limit: 1) { ...G } } fragment G on Article { ` + spreadTen + ` } fragment F on Article { ` + repeat("title", 20) + ` }`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { s.do(tt.query).expect(t, tt.code) })
	}
}

// GraphiQL's schema query passes the default limits — document, depth,
// complexity — so its docs explorer and completion work: the one GraphiQL
// 4.1.2 sends, and graphql-js's getIntrospectionQuery, which other tools send.
func TestIntrospectionQueryWithinDefaultLimits(t *testing.T) {
	s := backends[0].make(t, graphqlapi.Config{})
	for _, file := range []string{"testdata/graphiql-introspection.graphql", "testdata/introspection.graphql"} {
		query, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		resp := s.do(string(query))
		if len(resp.Errors) != 0 {
			t.Fatalf("%s: %+v", file, resp.Errors)
		}
		if !strings.Contains(string(resp.Data["__schema"]), `"name":"getArticles"`) {
			t.Fatalf("%s: the schema lacks getArticles: %.200s", file, resp.Data["__schema"])
		}
	}
}

func aliases(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: getArticle(id: 1) { id } ", i)
	}
	return b.String()
}

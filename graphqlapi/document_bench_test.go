package graphqlapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/graphqlapi"
)

// WorstDocument is the costliest document the default limits let through
// to validation: one selection set of as many same-named fields as they
// allow (validation compares those pairwise), a new document each time
// (a comment varies), so no cache helps.
func WorstDocument(n int) string {
	return fmt.Sprintf("# %d\n{ getArticles(limit: 1) { %s } }", n, repeat("id", graphqlapi.DefaultMaxFields-1))
}

func BenchmarkWorstDocument(b *testing.B) {
	svc := articlestest.NewService(b, "sqlite://:memory:")
	api, err := graphqlapi.New(graphqlapi.InProcess(svc), graphqlapi.Config{})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		body, _ := json.Marshal(map[string]string{"query": WorstDocument(i)})
		req := httptest.NewRequest(http.MethodPost, graphqlapi.Endpoint, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "errors") {
			b.Fatalf("worst document: %d %.200s", rec.Code, rec.Body)
		}
	}
}

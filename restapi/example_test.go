package restapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/restapi"
)

func ExampleNew() {
	ctx := context.Background()
	store, _ := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://:memory:"})
	defer store.Close()
	_ = store.Migrate(ctx)
	srv := httptest.NewServer(restapi.New(articles.NewService(store)))
	defer srv.Close()

	resp, _ := http.Post(srv.URL+"/articles", "application/json", strings.NewReader(`{"title":"Hello"}`))
	fmt.Println(resp.Status, resp.Header.Get("Location"), resp.Header.Get("ETag"))
	resp, _ = http.Post(srv.URL+"/articles", "application/json", strings.NewReader(`{"title":""}`))
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	// Output:
	// 201 Created /articles/1 "1"
	// 422 Unprocessable Entity application/problem+json
}

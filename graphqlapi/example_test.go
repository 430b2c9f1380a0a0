package graphqlapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/graphqlapi"
)

func ExampleNew() {
	ctx := context.Background()
	store, _ := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://:memory:"})
	defer store.Close()
	_ = store.Migrate(ctx)
	// InProcess calls the service directly; REST(url) would call a REST API.
	api, err := graphqlapi.New(graphqlapi.InProcess(articles.NewService(store)), graphqlapi.Config{})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()

	for _, query := range []string{
		`mutation { createArticle(input: {title: "Hello", tags: ["intro"]}) { id version } }`,
		`{ getArticles(tag: "intro") { title tags } }`,
		`{ getArticle(id: "2") { title } }`, // no such article: null
	} {
		body := fmt.Sprintf(`{"query": %q}`, query)
		resp, err := http.Post(srv.URL+graphqlapi.Endpoint, "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(answer))
	}
	// Output:
	// {"data":{"createArticle":{"id":"1","version":1}}}
	// {"data":{"getArticles":[{"title":"Hello","tags":["intro"]}]}}
	// {"data":{"getArticle":null}}
}

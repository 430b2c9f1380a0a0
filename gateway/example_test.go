package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/articlekit/articlekit/gateway"
)

// A gateway in front of an upstream, with a route that takes API keys: an
// anonymous request is refused with a problem, a keyed one reaches the
// upstream as its consumer.
func ExampleNew() {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s for %s\n", r.URL.Path, r.Header.Get("X-Consumer"))
	}))
	defer upstream.Close()
	g, err := gateway.New(gateway.Config{
		Consumers: []gateway.Consumer{{Name: "frontend", Tier: gateway.TierGold, APIKeys: []string{"frontend-key-0123456789"}}},
		Upstreams: map[string]gateway.Upstream{"articles": {Targets: []gateway.Target{{URL: upstream.URL}}}},
		Routes: []gateway.Route{{Name: "read", Methods: []string{"GET"}, Path: "/articles/{id}",
			Upstream: "articles", Auth: []string{gateway.AuthAPIKey}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()
	srv := httptest.NewServer(g)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/articles/7")
	if err != nil {
		fmt.Println(err)
		return
	}
	var problem struct{ Type, Title string }
	_ = json.NewDecoder(resp.Body).Decode(&problem)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, problem.Type, problem.Title)
	fmt.Println(resp.Header.Get("WWW-Authenticate"))

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/articles/7", nil)
	req.Header.Set("apikey", "frontend-key-0123456789")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", resp.Header.Get("RateLimit-Limit"), " ", string(body))
	// Output:
	// 401 urn:articlekit:problem:unauthenticated Unauthenticated
	// ApiKey realm="articlekit", header="apikey"
	// 200 5000 /articles/7 for frontend
}

// A GraphQL route whose queries are open and whose mutations need an API
// key: a mutation behind an alias is still one, refused as GraphQL
// refuses, before it reaches the upstream; a query passes.
func ExampleGraphQL() {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("the upstream got %s for %s\n", body, r.Header.Get("X-Consumer"))
		_, _ = io.WriteString(w, `{"data":{}}`)
	}))
	defer upstream.Close()
	anyone := []string{gateway.AuthAnonymous}
	g, err := gateway.New(gateway.Config{
		Consumers: []gateway.Consumer{{Name: "editor", APIKeys: []string{"editor-key-0123456789"}}},
		Upstreams: map[string]gateway.Upstream{"graphql": {Targets: []gateway.Target{{URL: upstream.URL}}}},
		Routes: []gateway.Route{{Name: "graphql", Path: "/graphql", Upstream: "graphql", Auth: anyone,
			GraphQL: &gateway.GraphQL{MaxDepth: 5, Operations: gateway.Operations{
				Query:    gateway.Operation{Access: gateway.Access{Auth: anyone}},
				Mutation: gateway.Operation{Access: gateway.Access{Auth: []string{gateway.AuthAPIKey}}},
			}}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()
	srv := httptest.NewServer(g)
	defer srv.Close()

	for _, query := range []string{
		`{"query": "mutation { harmless: deleteArticle(id: \"1\") }"}`,
		`{"query": "{ getArticle(id: \"1\") { title } }"}`,
	} {
		resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(query))
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %s", resp.StatusCode, body)
	}
	// Output:
	// 401 {"errors":[{"extensions":{"code":"UNAUTHENTICATED","status":401,"type":"urn:articlekit:problem:unauthenticated"},"message":"no credentials: send an API key (apikey or X-API-Key header)"}]}
	// the upstream got {"query":"{ getArticle(id: \"1\") { title } }"} for anonymous
	// 200 {"data":{}}
}

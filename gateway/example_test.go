package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

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

package graphqlapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/graphqlapi"
)

// answer is an HTTP response to a GraphQL request.
type answer struct {
	status int
	header http.Header
	body   string
}

// send sends a request to the GraphQL endpoint; target is what follows
// it (a query string), header comes in name, value pairs.
func (s *stack) send(method, target, body string, header ...string) answer {
	s.t.Helper()
	req, err := http.NewRequest(method, s.gql.URL+graphqlapi.Endpoint+target, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

// response decodes a GraphQL response, failing when it is not one.
func (a answer) response(t *testing.T) response {
	t.Helper()
	out := response{status: a.status}
	if err := json.Unmarshal([]byte(a.body), &out); err != nil {
		t.Fatalf("answer %d is not GraphQL JSON: %.300s", a.status, a.body)
	}
	return out
}

func queryString(query string, more ...string) string {
	v := url.Values{"query": {query}}
	for i := 0; i+1 < len(more); i += 2 {
		v.Set(more[i], more[i+1])
	}
	return "?" + v.Encode()
}

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

// GraphQL over HTTP: a GET runs a query unless the client prefers HTML, as
// a browser does, which gets GraphiQL.
func TestGETRunsQueries(t *testing.T) {
	s := backends[0].make(t, graphqlapi.Config{})
	noPage := backends[0].make(t, graphqlapi.Config{DisablePlayground: true})
	s.create("Read over GET", "ada")
	noPage.create("Read over GET", "ada")
	list := queryString(`{ getArticles { title } }`)
	tests := []struct {
		name, target, accept string
		on                   *stack // default s
		page                 bool
		media                string
	}{
		{"application/json", list, "application/json", nil, false, "application/json"},
		{"application/graphql-response+json", list, "application/graphql-response+json, application/json;q=0.9", nil, false, "application/graphql-response+json"},
		{"no Accept", list, "", nil, false, "application/json"},
		{"anything, with a query (curl)", list, "*/*", nil, false, "application/json"},
		{"a browser, with a query", list, browserAccept, nil, true, "text/html"},
		{"a browser", "", browserAccept, nil, true, "text/html"},
		{"anything, without a query (curl)", "", "*/*", nil, true, "text/html"},
		{"JSON preferred to HTML", list, "text/html;q=0.5, application/json", nil, false, "application/json"},
		{"a browser, with GraphiQL off", list, browserAccept, noPage, false, "application/json"},
		{"variables and an operation name", queryString(`query A { x: __typename } query B($n: Int) { getArticles(limit: $n) { title } }`,
			"operationName", "B", "variables", `{"n": 1}`), "application/json", nil, false, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.on
			if target == nil {
				target = s
			}
			a := target.send("GET", tt.target, "", "Accept", tt.accept)
			if ct := a.header.Get("Content-Type"); a.status != 200 || !strings.HasPrefix(ct, tt.media) {
				t.Fatalf("GET %s (Accept %q) = %d %s, want 200 %s: %.200s", tt.target, tt.accept, a.status, ct, tt.media, a.body)
			}
			if !strings.Contains(a.header.Get("Vary"), "Accept") {
				t.Fatalf("Vary = %q: the answer depends on Accept", a.header.Get("Vary"))
			}
			if tt.page {
				if !strings.Contains(a.body, "graphiql") {
					t.Fatalf("want GraphiQL, got %.200s", a.body)
				}
				return
			}
			var got []struct{ Title string }
			a.response(t).data(t, "getArticles", &got)
			if len(got) != 1 || got[0].Title != "Read over GET" {
				t.Fatalf("getArticles = %+v", got)
			}
		})
	}
}

// A GET never changes anything: a mutation is 405 with Allow: POST, before
// it runs, and a subscription takes a WebSocket there as over POST.
func TestGETRefusesMutations(t *testing.T) {
	s := backends[0].make(t, graphqlapi.Config{})
	both := `query Read { getArticles { id } } mutation Write { createArticle(input: {title: "over GET"}) { id } }`
	for _, target := range []string{
		queryString(`mutation { createArticle(input: {title: "over GET"}) { id } }`),
		queryString(both, "operationName", "Write"),
	} {
		a := s.send("GET", target, "", "Accept", "application/json")
		if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "POST" {
			t.Fatalf("GET %s = %d, Allow %q; want 405, Allow: POST", target, a.status, a.header.Get("Allow"))
		}
		a.response(t).expect(t, graphqlapi.CodeBadRequest)
	}
	if a := s.send("GET", queryString(both, "operationName", "Read"), "", "Accept", "application/json"); a.status != 200 {
		t.Fatalf("the query of a document that also has a mutation: %d %s", a.status, a.body)
	}
	var list []struct{ ID string }
	s.do(`{ getArticles { id } }`).data(t, "getArticles", &list)
	if len(list) != 0 {
		t.Fatalf("a GET created %d articles", len(list))
	}
	a := s.send("GET", queryString(`subscription { articleChanged { id } }`), "", "Accept", "application/json")
	a.response(t).expect(t, "GRAPHQL_VALIDATION_FAILED")
}

// A request that is not a GraphQL request gets a GraphQL error with
// extensions.code BAD_REQUEST (GraphQL over HTTP: 400; 415 for a body
// that is not sent as JSON), and no part of it repeated.
func TestMalformedRequests(t *testing.T) {
	s := backends[0].make(t, graphqlapi.Config{})
	tests := []struct {
		name, method, target, contentType, body string
		status                                  int
	}{
		{"truncated JSON", "POST", "", "application/json", `{"query": "{ echo-me`, 400},
		{"an array", "POST", "", "application/json", `["echo-me"]`, 400},
		{"a number for the query", "POST", "", "application/json", `{"query": 5, "echo-me": 1}`, 400},
		{"an array for the variables", "POST", "", "application/json", `{"query": "{ __typename }", "variables": ["echo-me"]}`, 400},
		{"an empty body", "POST", "", "application/json", ``, 400},
		{"two JSON values", "POST", "", "application/json", `{"query": "{ __typename }"} {"echo-me": 1}`, 400},
		{"not JSON at all", "POST", "", "application/json", `query=echo-me`, 400},
		{"text", "POST", "", "text/plain", `{"query": "{ echo-me }"}`, 415},
		{"no content type", "POST", "", "", `{"query": "{ echo-me }"}`, 415},
		{"GET: variables not JSON", "GET", queryString(`{ __typename }`, "variables", `{"echo-me"`), "", "", 400},
		{"GET: extensions not an object", "GET", queryString(`{ __typename }`, "extensions", `["echo-me"]`), "", "", 400},
		{"GET: a malformed query string", "GET", "?query=%zz&echo-me", "", "", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := []string{"Accept", "application/json"}
			if tt.contentType != "" {
				header = append(header, "Content-Type", tt.contentType)
			}
			a := s.send(tt.method, tt.target, tt.body, header...)
			if a.status != tt.status || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
				t.Fatalf("%d %s, want %d application/json: %s", a.status, a.header.Get("Content-Type"), tt.status, a.body)
			}
			a.response(t).expect(t, graphqlapi.CodeBadRequest)
			if strings.Contains(a.body, "echo-me") {
				t.Fatalf("the answer repeats the request: %s", a.body)
			}
		})
	}
	// Well-formed requests that are not valid GraphQL keep gqlgen's codes.
	a := s.send("POST", "", `{"query": "{"}`, "Content-Type", "application/json; charset=utf-8", "Accept", "application/graphql-response+json")
	if a.status != 400 || a.header.Get("Content-Type") != "application/graphql-response+json" {
		t.Fatalf("a parse error for application/graphql-response+json = %d %s", a.status, a.header.Get("Content-Type"))
	}
	a.response(t).expect(t, "GRAPHQL_PARSE_FAILED")
}

package graphqlapi_test

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	gqlplayground "github.com/99designs/gqlgen/graphql/playground"

	"github.com/articlekit/articlekit/graphqlapi"
)

// get GETs url as a browser does.
func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", browserAccept)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var loadTag = regexp.MustCompile(`(?s)<(?:script|link)\s[^>]*?(?:src|href)="([^"]+)"[^>]*?integrity="([^"]+)"`)

// pageFiles are the files a GraphiQL page loads, with the integrity hash
// it checks each against.
func pageFiles(t *testing.T, page string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, m := range loadTag.FindAllStringSubmatch(page, -1) {
		files[html.UnescapeString(m[1])] = html.UnescapeString(m[2])
	}
	if len(files) != 4 {
		t.Fatalf("the page loads %d files with an integrity hash, want 4 (graphiql's script and style, React, ReactDOM): %v", len(files), files)
	}
	return files
}

// GraphiQL's page loads its files from the program by default, each with
// the integrity hash of what the program serves, and the program serves
// nothing else there.
func TestPlayground(t *testing.T) {
	s := backends[0].make(t, graphqlapi.Config{})
	resp, page := get(t, s.gql.URL+graphqlapi.Endpoint)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || strings.Contains(page, "cdn.jsdelivr.net") {
		t.Fatalf("GET /graphql = %d %s, want the GraphiQL page with nothing from the CDN:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	embedded := pageFiles(t, page)
	for path, integrity := range embedded {
		if !strings.HasPrefix(path, "/graphql/assets/") {
			t.Fatalf("the page loads %s, want it from /graphql/assets/", path)
		}
		resp, body := get(t, s.gql.URL+path)
		sum := sha256.Sum256([]byte(body))
		if sri := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); resp.StatusCode != 200 || sri != integrity {
			t.Fatalf("GET %s = %d, %d bytes hashed %s; the page wants %s", path, resp.StatusCode, len(body), sri, integrity)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Fatalf("GET %s: Cache-Control %q, want a year, immutable (the path carries the version)", path, cc)
		}
		wantType := map[bool]string{true: "text/css", false: "text/javascript"}[strings.HasSuffix(path, ".css")]
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
			t.Fatalf("GET %s: Content-Type %q, want %s", path, ct, wantType)
		}
		if again, _ := get(t, s.gql.URL+path, "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
			t.Fatalf("GET %s with its ETag = %d, want 304", path, again.StatusCode)
		}
	}
	for _, path := range []string{"/graphql/assets/SOURCES", "/graphql/assets/graphiql@4.1.2/LICENSE",
		"/graphql/assets/graphiql@4.1.2/graphiql.min.js.map", "/graphql/assets/graphiql@4.1.2/", "/graphql/assets/../../etc/passwd",
		"/graphql/assets/graphiql/graphiql.min.js"} {
		if resp, body := get(t, s.gql.URL+path); resp.StatusCode != 404 {
			t.Fatalf("GET %s = %d %.100q: only the files the page loads may be served", path, resp.StatusCode, body)
		}
	}

	// From the CDN: the same files, the same hashes; jsDelivr serves what
	// npm has, as gqlgen's own page, which loads the same versions, shows.
	cdn := backends[0].make(t, graphqlapi.Config{PlaygroundCDN: true})
	_, cdnPage := get(t, cdn.gql.URL+graphqlapi.Endpoint)
	rec := httptest.NewRecorder()
	gqlplayground.Handler("gqlgen", "/").ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	gqlgens := pageFiles(t, rec.Body.String())
	for url, integrity := range pageFiles(t, cdnPage) {
		name, ok := strings.CutPrefix(url, "https://cdn.jsdelivr.net/npm/")
		if !ok || embedded["/graphql/assets/"+name] != integrity {
			t.Fatalf("the CDN page loads %s (%s), want the embedded files' names and hashes from jsDelivr: %v", url, integrity, embedded)
		}
		if want, ok := gqlgens[url]; ok && want != integrity {
			t.Fatalf("%s: integrity %s, gqlgen's page has %s", url, integrity, want)
		}
	}
	if resp, _ := get(t, cdn.gql.URL+"/graphql/assets/react@18.2.0/umd/react.production.min.js"); resp.StatusCode != 404 {
		t.Fatalf("with the CDN, the program serves the files too: %d", resp.StatusCode)
	}

	off := backends[0].make(t, graphqlapi.Config{DisablePlayground: true})
	if resp, body := get(t, off.gql.URL+graphqlapi.Endpoint); strings.Contains(body, "graphiql") {
		t.Fatalf("GET /graphql with the playground off = %d, the page", resp.StatusCode)
	}
	for path := range embedded {
		if resp, _ := get(t, off.gql.URL+path); resp.StatusCode != 404 {
			t.Fatalf("GET %s with the playground off = %d", path, resp.StatusCode)
		}
	}
}

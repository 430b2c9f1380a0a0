package graphqlapi_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/graphqlapi"
)

// get GETs url as a browser does.
func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", browserAccept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

func TestPlayground(t *testing.T) {
	s := backends[0].make(t, graphqlapi.Config{})
	status, ct, body := get(t, s.gql.URL+graphqlapi.Endpoint)
	if status != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "graphiql") ||
		!strings.Contains(body, "https://cdn.jsdelivr.net/npm/graphiql@4.1.2/graphiql.min.js") {
		t.Fatalf("GET /graphql = %d %s, want the GraphiQL page from the CDN", status, ct)
	}

	off := backends[0].make(t, graphqlapi.Config{DisablePlayground: true})
	if status, _, body := get(t, off.gql.URL+graphqlapi.Endpoint); status == 200 || strings.Contains(body, "graphiql") {
		t.Fatalf("GET /graphql with the playground off = %d", status)
	}
}

func TestPlaygroundSelfHosted(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"graphiql/graphiql.min.js":                  "/* graphiql */",
		"graphiql/graphiql.min.css":                 "/* css */",
		"react/umd/react.production.min.js":         "/* react */",
		"react-dom/umd/react-dom.production.min.js": "/* react-dom */",
		"secret.txt": "not an asset",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := backends[0].make(t, graphqlapi.Config{PlaygroundAssetsDir: dir})
	_, _, page := get(t, s.gql.URL+graphqlapi.Endpoint)
	if !strings.Contains(page, `src="/graphql/assets/graphiql/graphiql.min.js"`) || strings.Contains(page, "cdn.jsdelivr.net") {
		t.Fatalf("self-hosted page still points elsewhere:\n%s", page)
	}
	if status, _, body := get(t, s.gql.URL+"/graphql/assets/react/umd/react.production.min.js"); status != 200 || body != "/* react */" {
		t.Fatalf("asset = %d %q", status, body)
	}
	for _, path := range []string{"/graphql/assets/secret.txt", "/graphql/assets/../../etc/passwd", "/graphql/assets/graphiql/"} {
		if status, _, body := get(t, s.gql.URL+path); status == 200 || strings.Contains(body, "not an asset") {
			t.Fatalf("GET %s = %d %q: only the GraphiQL assets may be served", path, status, body)
		}
	}

	if _, err := graphqlapi.New(nil, graphqlapi.Config{PlaygroundAssetsDir: t.TempDir()}); err == nil ||
		!strings.Contains(err.Error(), "npm") {
		t.Fatalf("New with an empty assets dir = %v, want an error saying what to install", err)
	}
}

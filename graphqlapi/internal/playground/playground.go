// Package playground serves GraphiQL: its page, and the files the page
// loads — graphiql's script and style, React's and ReactDOM's — from the
// copies in assets/, embedded in the program, or from the jsDelivr CDN,
// with their integrity hashes either way.
//
// assets/ is built from npm, as package.json and package-lock.json pin it,
// by `node update.mjs` (README.md says how to change a version); CI fails
// when it is stale.
package playground

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	gqlplayground "github.com/99designs/gqlgen/graphql/playground"
)

// CDN is where jsDelivr serves the files of npm packages, by
// name@version/path: the files assets/ holds, byte for byte.
const CDN = "https://cdn.jsdelivr.net/npm/"

//go:embed package.json
//go:embed assets/graphiql@*/graphiql.min.js assets/graphiql@*/graphiql.min.css
//go:embed assets/react@*/umd/react.production.min.js assets/react-dom@*/umd/react-dom.production.min.js
var embedded embed.FS

// The files the page loads, by package (update.mjs copies them).
var (
	script   = file{pkg: "graphiql", path: "graphiql.min.js"}
	style    = file{pkg: "graphiql", path: "graphiql.min.css"}
	react    = file{pkg: "react", path: "umd/react.production.min.js"}
	reactDOM = file{pkg: "react-dom", path: "umd/react-dom.production.min.js"}
)

type file struct{ pkg, path string }

// asset is a file as embedded: its name under a base URL (name@version/path),
// content and integrity hash (SRI).
type asset struct {
	name, sri string
	data      []byte
}

// load reads the embedded files once: their versions are those
// package.json pins.
var load = sync.OnceValues(func() (map[file]asset, error) {
	raw, err := embedded.ReadFile("package.json")
	if err != nil {
		return nil, err
	}
	var pkg struct{ Dependencies map[string]string }
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return nil, fmt.Errorf("package.json: %w", err)
	}
	assets := map[file]asset{}
	for _, f := range []file{script, style, react, reactDOM} {
		name := f.pkg + "@" + pkg.Dependencies[f.pkg] + "/" + f.path
		data, err := embedded.ReadFile("assets/" + name)
		if err != nil {
			return nil, fmt.Errorf("%w (run update.mjs)", err)
		}
		sum := sha256.Sum256(data)
		assets[f] = asset{name: name, sri: "sha256-" + base64.StdEncoding.EncodeToString(sum[:]), data: data}
	}
	return assets, nil
})

// Page returns GraphiQL's page for the GraphQL endpoint, loading its files
// from base: the path Files serves them under (ending in /), or CDN.
func Page(title, endpoint, base string) (http.Handler, error) {
	assets, err := load()
	if err != nil {
		return nil, fmt.Errorf("playground: %w", err)
	}
	js, css, r, rd := assets[script], assets[style], assets[react], assets[reactDOM]
	return gqlplayground.Handler(title, endpoint,
		gqlplayground.WithGraphiqlVersion(base+js.name, base+css.name, js.sri, css.sri),
		gqlplayground.WithGraphiqlReactVersion(base+r.name, base+rd.name, r.sri, rd.sri),
		gqlplayground.WithGraphiqlEnablePluginExplorer(false), // not among the files
		gqlplayground.WithGraphiqlPersistStateInURL(true),
	), nil
}

// Files serves the embedded files the page loads under prefix, and nothing
// else. Their names carry their versions, so browsers may keep them for a
// year without asking again.
func Files(prefix string) (http.Handler, error) {
	assets, err := load()
	if err != nil {
		return nil, fmt.Errorf("playground: %w", err)
	}
	byPath := map[string]asset{}
	for _, a := range assets {
		byPath[prefix+a.name] = a
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", `"`+a.sri+`"`)
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.data))
	}), nil
}

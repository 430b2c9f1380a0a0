package webapp

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"go.uber.org/zap"
)

// dist is the built app: `npm --prefix webapp/ui ci && npm --prefix
// webapp/ui run build` writes it from webapp/ui, and CI fails when the
// committed build is stale.
//
//go:embed all:dist
var dist embed.FS

// DefaultAddr is where Module serves the app unless Config.Addr says
// otherwise: this machine only, behind the gateway.
const DefaultAddr = "127.0.0.1:8300"

// Config configures the app.
type Config struct {
	// Addr is where Module listens. Default: DefaultAddr.
	Addr string `env:"WEBAPP_ADDR"`
	// GraphQLPath is where the app finds the GraphQL API on its own
	// origin, the gateway's. Default: /graphql.
	GraphQLPath string `env:"WEBAPP_GRAPHQL_PATH"`
	// DevAPIKey, when set, is filled in for the visitor, and the app's
	// banner says so: for development configurations only.
	DevAPIKey string `env:"WEBAPP_DEV_API_KEY"`
}

// Validate reports a GraphQLPath that is not a path on the app's own
// origin: the page would send its visitors' credentials elsewhere.
func (c Config) Validate() error {
	if p := c.GraphQLPath; p != "" {
		if u, err := url.Parse(p); err != nil || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || u.Host != "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("webapp: GraphQLPath %q: want a path on the app's origin, such as /graphql", p)
		}
	}
	return nil
}

// App serves the web app: its page at /, its files under /app/, its
// settings at /app/config.json and, with a Monitor, the status page's
// figures at /app/status.json. Everything the page loads is served from
// here; nothing comes from another host.
type App struct {
	handler http.Handler
}

// Option configures New.
type Option func(*options)

type options struct {
	monitor *Monitor
	log     *zap.Logger
}

// WithMonitor serves the monitor's figures at /app/status.json.
func WithMonitor(m *Monitor) Option { return func(o *options) { o.monitor = m } }

// WithLogger logs through log.
func WithLogger(log *zap.Logger) Option { return func(o *options) { o.log = log } }

// contentSecurityPolicy keeps the page to its own origin: scripts,
// styles, fonts and connections (WebSocket included) from the server that
// served it, images from it or inline data (the style sheet's icons).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// New returns the app.
func New(cfg Config, opts ...Option) (*App, error) {
	o := options{log: zap.NewNop()}
	for _, opt := range opts {
		opt(&o)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.GraphQLPath == "" {
		cfg.GraphQLPath = "/graphql"
	}
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, err
	}
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil, err
	}
	settings := map[string]string{"graphql": cfg.GraphQLPath}
	if o.monitor != nil {
		settings["status"] = "/app/status.json"
	}
	if cfg.DevAPIKey != "" {
		settings["devAPIKey"] = cfg.DevAPIKey
	}
	settingsJSON, err := json.Marshal(settings)
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(index)
	}
	mux.HandleFunc("GET /{$}", page)
	mux.HandleFunc("GET /app/{$}", page)
	mux.HandleFunc("GET /app/config.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, settingsJSON)
	})
	if m := o.monitor; m != nil {
		mux.HandleFunc("GET /app/status.json", func(w http.ResponseWriter, r *http.Request) {
			body, err := json.Marshal(m.Status(r.Context()))
			if err != nil {
				o.log.Error("status: encoding failed", zap.Error(err))
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			writeJSON(w, body)
		})
	}
	assets := http.StripPrefix("/app", http.FileServerFS(files))
	// One segment: files, never a directory's listing.
	mux.HandleFunc("GET /app/assets/{file}", func(w http.ResponseWriter, r *http.Request) {
		// Vite names each file by its content: a name never changes
		// meaning, so browsers may keep it.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		assets.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, []byte(`{"status":"ok"}`))
	})
	return &App{handler: gzhttp.GzipHandler(securityHeaders(mux))}, nil
}

// ServeHTTP serves a request.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

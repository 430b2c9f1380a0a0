package restapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bunrouter"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/metrics"
)

// Articles is the article service the API serves; *articles.Service
// implements it.
type Articles interface {
	Create(ctx context.Context, d articles.Draft) (articles.Article, error)
	// CreateOnce serves POST /articles with an Idempotency-Key.
	CreateOnce(ctx context.Context, key string, d articles.Draft) (articles.Article, bool, error)
	Get(ctx context.Context, id int64) (articles.Article, error)
	List(ctx context.Context, q articles.ListQuery) (articles.Page, error)
	Put(ctx context.Context, id int64, d articles.Draft, pre articles.Precondition) (articles.Article, bool, error)
	Delete(ctx context.Context, id int64, expectedVersion int64) error
	Apply(ctx context.Context, ch articles.Change) (articles.ApplyResult, error)
	Validate(d articles.Draft) error
	Ping(ctx context.Context) error
	// Changes feeds GET /articles/changes.
	Changes(ctx context.Context) (<-chan articles.Change, error)
}

// Route is an extra endpoint served beside the article API, e.g. by a host
// program; see AsRoute. Path uses bunrouter syntax (/things/:id).
type Route struct {
	Method  string
	Path    string
	Handler http.Handler
}

// Option configures an API.
type Option func(*API)

// WithLogger sets the logger for access logs and server errors.
func WithLogger(log *zap.Logger) Option {
	return func(a *API) {
		if log != nil {
			a.log = log.Named("restapi")
		}
	}
}

// WithMetrics records request metrics in m and serves g at GET /metrics.
func WithMetrics(m *metrics.HTTP, g prometheus.Gatherer) Option {
	return func(a *API) { a.metrics, a.gatherer = m, g }
}

// WithMaxBodyBytes caps request bodies. Default: 1 MiB.
func WithMaxBodyBytes(n int64) Option { return func(a *API) { a.maxBody = n } }

// WithReplication makes the API accept replicated changes: PUT and DELETE
// with the Article-Version header, as a sync consumer's REST applier sends
// them. They set versions and timestamps, so enable it only where the
// callers are trusted (behind the gateway's authorization, say). Without
// it they are refused with 403.
func WithReplication() Option { return func(a *API) { a.replication = true } }

// WithRoutes adds endpoints beside the article API.
func WithRoutes(routes ...Route) Option { return func(a *API) { a.extra = append(a.extra, routes...) } }

// API is the REST API as an http.Handler.
type API struct {
	svc      Articles
	log      *zap.Logger
	metrics  *metrics.HTTP
	gatherer prometheus.Gatherer
	maxBody  int64
	extra    []Route
	// replication: replicated changes are accepted.
	replication bool

	handler http.Handler
	allowed map[string]string // route → Allow header value
}

// New returns the REST API over svc.
func New(svc Articles, opts ...Option) *API {
	a := &API{svc: svc, log: zap.NewNop(), maxBody: DefaultMaxBodyBytes}
	for _, opt := range opts {
		opt(a)
	}
	a.handler = a.routes()
	return a
}

// ServeHTTP serves a request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

type endpoint struct {
	method, path string // path in bunrouter syntax
	handle       bunrouter.HandlerFunc
}

func (a *API) endpoints() []endpoint {
	eps := []endpoint{
		{http.MethodGet, "/articles", a.list},
		{http.MethodPost, "/articles", a.create},
		{http.MethodPost, "/articles/validate", a.validate},
		{http.MethodGet, "/articles/changes", a.changes},
		{http.MethodGet, "/articles/:id", a.get},
		{http.MethodPut, "/articles/:id", a.put},
		{http.MethodDelete, "/articles/:id", a.delete},
		{http.MethodGet, "/health", a.health},
		{http.MethodGet, "/ready", a.ready},
		{http.MethodGet, "/openapi.json", a.openAPI},
	}
	if a.gatherer != nil {
		eps = append(eps, endpoint{http.MethodGet, "/metrics", bunrouter.HTTPHandler(metrics.Handler(a.gatherer))})
	}
	for _, r := range a.extra {
		eps = append(eps, endpoint{r.Method, r.Path, bunrouter.HTTPHandler(r.Handler)})
	}
	return eps
}

func (a *API) routes() http.Handler {
	router := bunrouter.New(
		bunrouter.Use(a.handleErrors),
		bunrouter.WithNotFoundHandler(func(http.ResponseWriter, bunrouter.Request) error {
			return problem(http.StatusNotFound, TypeNoRoute, "No endpoint has this path.")
		}),
		bunrouter.WithMethodNotAllowedHandler(a.methodNotAllowed),
	)
	a.allowed = map[string]string{}
	for _, ep := range a.endpoints() {
		router.Handle(ep.method, ep.path, withRouteLabel(template(ep.path), ep.handle))
		allow := a.allowed[ep.path]
		if allow != "" {
			allow += ", "
		}
		a.allowed[ep.path] = allow + ep.method
	}

	h := httpserver.Chain(canonicalPaths(router),
		httpserver.RequestID,
		httpserver.AccessLog(a.log),
		httpserver.Recover(a.log, func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, problem(http.StatusInternalServerError, TypeInternal, "The server failed to handle the request."))
		}),
	)
	if a.metrics != nil {
		h = a.metrics.Middleware("rest", h)
	}
	return h
}

// handleErrors turns errors returned by handlers into problem responses.
func (a *API) handleErrors(next bunrouter.HandlerFunc) bunrouter.HandlerFunc {
	return func(w http.ResponseWriter, req bunrouter.Request) error {
		if err := next(w, req); err != nil {
			writeError(w, req.Request, a.log, err)
		}
		return nil
	}
}

// canonicalPaths answers 404 for a path that is not canonical — an empty
// segment (//), a dot segment, a trailing slash — rather than letting the
// router match it anyway (/articles//1 is article 1 to it) or redirect it
// with an HTML body. The API's paths have one spelling each.
func canonicalPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Both spellings: %2e%2e is a dot segment once decoded.
		if !isCanonical(r.URL.EscapedPath()) || !isCanonical(r.URL.Path) {
			writeProblem(w, problem(http.StatusNotFound, TypeNoRoute, "No endpoint has this path: paths have no empty or dot segments and no trailing slash."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isCanonical(path string) bool {
	if path == "/" {
		return true
	}
	if !strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") {
		return false
	}
	for seg := range strings.SplitSeq(path[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

func (a *API) methodNotAllowed(w http.ResponseWriter, req bunrouter.Request) error {
	route := req.Route()
	metrics.SetRoute(req.Context(), template(route))
	allow := a.allowed[route]
	w.Header().Set("Allow", allow)
	return problem(http.StatusMethodNotAllowed, TypeMethodNotAllowed, "Allowed methods: "+allow+".")
}

func withRouteLabel(route string, next bunrouter.HandlerFunc) bunrouter.HandlerFunc {
	return func(w http.ResponseWriter, req bunrouter.Request) error {
		metrics.SetRoute(req.Context(), route)
		return next(w, req)
	}
}

// template turns a bunrouter path (/articles/:id) into an OpenAPI-style
// template (/articles/{id}), the form used in metric labels.
func template(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// Endpoints lists the API's routes as "METHOD /template", sorted; the
// OpenAPI document describes exactly these.
func (a *API) Endpoints() []string {
	var out []string
	for _, ep := range a.endpoints() {
		out = append(out, ep.method+" "+template(ep.path))
	}
	slices.Sort(out)
	return out
}

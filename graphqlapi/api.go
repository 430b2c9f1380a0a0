package graphqlapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/graphqlapi/internal/generated"
	"github.com/articlekit/articlekit/graphqlapi/internal/playground"
	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/metrics"
)

// Option configures an API.
type Option func(*API)

// WithLogger sets the logger for access logs and failures.
func WithLogger(log *zap.Logger) Option {
	return func(a *API) {
		if log != nil {
			a.log = log.Named("graphqlapi")
		}
	}
}

// WithMetrics records HTTP metrics in m and operation metrics in reg.
func WithMetrics(m *metrics.HTTP, reg prometheus.Registerer) Option {
	return func(a *API) { a.httpMetrics, a.registerer = m, reg }
}

// WithMetricsEndpoint serves what g gathers at GET /metrics, so that the
// API's own listener can be scraped.
func WithMetricsEndpoint(g prometheus.Gatherer) Option { return func(a *API) { a.gatherer = g } }

// API serves GraphQL at /graphql: POST executes queries and mutations, GET
// executes queries (GraphQL over HTTP), a WebSocket upgrade
// (graphql-transport-ws) runs subscriptions, and a browser's GET gets
// GraphiQL.
type API struct {
	cfg         Config
	log         *zap.Logger
	httpMetrics *metrics.HTTP
	registerer  prometheus.Registerer
	gatherer    prometheus.Gatherer
	handler     http.Handler
}

// Endpoint is the path the API serves.
const Endpoint = "/graphql"

// New returns the GraphQL API over backend.
func New(backend Backend, cfg Config, opts ...Option) (*API, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &API{cfg: cfg.WithDefaults(), log: zap.NewNop()}
	for _, opt := range opts {
		opt(a)
	}
	gql, err := a.executor(backend)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+Endpoint, labelled(Endpoint, a.limited(gql)))
	var page http.Handler
	if !a.cfg.DisablePlayground {
		var assets http.Handler
		page, assets, err = a.playground()
		if err != nil {
			return nil, err
		}
		if assets != nil {
			mux.Handle("GET "+assetsPath, labelled(assetsPath+"*", assets))
		}
	}
	mux.Handle("GET "+Endpoint, labelled(Endpoint, a.get(gql, page)))
	if a.gatherer != nil {
		mux.Handle("GET /metrics", labelled("/metrics", metrics.Handler(a.gatherer)))
	}

	var h http.Handler = mux
	h = httpserver.Chain(h,
		httpserver.RequestID,
		httpserver.AccessLog(a.log),
		httpserver.Recover(a.log, func(w http.ResponseWriter, _ *http.Request) {
			writeGraphQLError(w, http.StatusInternalServerError, CodeInternal, "internal error")
		}),
	)
	if a.httpMetrics != nil {
		h = a.httpMetrics.Middleware("graphql", h)
	}
	a.handler = h
	return a, nil
}

// ServeHTTP serves a request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// executor builds the gqlgen server: transports, limits and error mapping.
func (a *API) executor(backend Backend) (*handler.Server, error) {
	cfg := generated.Config{Resolvers: &resolver{backend: backend}}
	cfg.Complexity.Query.GetArticles = func(child int, limit, _ *int, _, _, _ *string) int {
		n := 100
		if limit != nil && *limit > 0 {
			n = *limit
		}
		return child * n
	}
	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.Websocket{
		// refuseHandshake has checked the handshake and its origin.
		Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{InsecureSkipVerify: true}},
		KeepAlivePingInterval: 10 * time.Second,
		InitTimeout:           10 * time.Second,
		PayloadReadLimit:      &a.cfg.MaxBodyBytes,
	})
	srv.AddTransport(httpTransport{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(a.cfg.MaxTokens)
	srv.Use(newDocumentLimits(a.cfg))
	if a.cfg.DisableIntrospection {
		srv.Use(noIntrospection{})
	} else {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.FixedComplexityLimit(a.cfg.MaxComplexity))
	srv.Use(depthLimit{max: a.cfg.MaxDepth})
	srv.Use(subscriptionsOverWebSocket{})
	if a.registerer != nil {
		m, err := newOperationMetrics(a.registerer)
		if err != nil {
			return nil, fmt.Errorf("graphqlapi: metrics: %w", err)
		}
		srv.Use(m)
	}
	srv.SetErrorPresenter(presentError(a.log))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		a.log.Error("resolver panicked", zap.Any("panic", v),
			zap.String("request_id", httpserver.RequestIDFrom(ctx)))
		return errors.New("resolver panicked")
	})
	return srv, nil
}

// limited bounds a request: its body to MaxBodyBytes (413 beyond) and its
// execution to Timeout.
func (a *API) limited(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > a.cfg.MaxBodyBytes {
			writeTooLarge(w, a.cfg.MaxBodyBytes)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				writeTooLarge(w, a.cfg.MaxBodyBytes)
				return
			}
			writeGraphQLError(w, http.StatusBadRequest, CodeBadRequest, "the request body could not be read")
			return
		}
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), overHTTP{}, true), a.cfg.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func writeTooLarge(w http.ResponseWriter, limit int64) {
	writeGraphQLError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
		fmt.Sprintf("the request body exceeds %d bytes", limit))
}

// writeGraphQLError answers, in the GraphQL response format, a request
// that never reached the executor.
func writeGraphQLError(w http.ResponseWriter, status int, code, message string) {
	writeResponse(w, status, &graphql.Response{Errors: gqlerror.List{{
		Message: message, Extensions: map[string]any{"code": code},
	}}})
}

// writeResponse writes resp with status, as application/json unless the
// client was found to prefer application/graphql-response+json.
func writeResponse(w http.ResponseWriter, status int, resp *graphql.Response) {
	if w.Header().Get("Content-Type") != mediaGraphQLResponse {
		w.Header().Set("Content-Type", mediaJSON)
	}
	body, err := json.Marshal(resp)
	if err != nil {
		panic(fmt.Errorf("graphqlapi: encode a response: %w", err)) // the recovery middleware answers 500
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// get serves GET /graphql: a WebSocket upgrade runs subscriptions, a
// browser gets page (GraphiQL; none when nil), and anything else runs a
// query.
func (a *API) get(gql, page http.Handler) http.Handler {
	query := a.limited(gql)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			if !a.refuseHandshake(w, r) {
				subscribe(gql, w, r)
			}
			return
		}
		w.Header().Add("Vary", "Accept")
		if page != nil && wantsPage(r) {
			page.ServeHTTP(w, r)
			return
		}
		query.ServeHTTP(w, r)
	})
}

// subscribe hands a WebSocket upgrade to ws, past the server's timeouts and
// until the server stops.
func subscribe(ws http.Handler, w http.ResponseWriter, r *http.Request) {
	// A subscription outlives the server's read and write timeouts,
	// whose deadlines would otherwise stay on the hijacked connection.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	// http.Server.Shutdown does not wait for hijacked connections:
	// end the subscriptions when the server stops.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-httpserver.Stopping(ctx):
			cancel()
		case <-ctx.Done():
		}
	}()
	ws.ServeHTTP(w, r.WithContext(ctx))
}

func labelled(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		metrics.SetRoute(r.Context(), route)
		next.ServeHTTP(w, r)
	})
}

const assetsPath = Endpoint + "/assets/"

// playground returns the GraphiQL page and, unless it loads its files from
// the CDN, the handler of the files.
func (a *API) playground() (page, assets http.Handler, err error) {
	base := playground.CDN
	if !a.cfg.PlaygroundCDN {
		base = assetsPath
		if assets, err = playground.Files(assetsPath); err != nil {
			return nil, nil, fmt.Errorf("graphqlapi: %w", err)
		}
	}
	if page, err = playground.Page("ArticleKit GraphQL", Endpoint, base); err != nil {
		return nil, nil, fmt.Errorf("graphqlapi: %w", err)
	}
	return page, assets, nil
}

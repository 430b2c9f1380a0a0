package graphqlapi

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"time"
)

// Config configures the GraphQL server. The zero value is valid: every
// field has a documented default.
type Config struct {
	// Addr is the listen address. Default: ":8000".
	Addr string `env:"GRAPHQL_ADDR"`
	// Backend chooses what the resolvers call: "rest" (the REST API at
	// RESTAPIURL, as the original design did) or "inprocess" (the
	// *articles.Service of this process). Default: "rest".
	Backend string `env:"GRAPHQL_BACKEND"`
	// RESTAPIURL is the REST API the "rest" backend calls.
	// Default: http://localhost:5000.
	RESTAPIURL string `env:"REST_API_URL"`

	// MaxDepth refuses operations nested deeper than this many fields; a
	// schema query (__schema, __type) counts as one field, its own shape
	// being bounded otherwise. Default: 10.
	MaxDepth int `env:"GRAPHQL_MAX_DEPTH"`
	// MaxComplexity refuses operations costing more: each field costs 1, and
	// a list costs its fields times its limit (100 when omitted). Default: 10000.
	MaxComplexity int `env:"GRAPHQL_MAX_COMPLEXITY"`
	// MaxTokens refuses documents of more tokens (names, punctuation,
	// values). Default: 2000.
	MaxTokens int `env:"GRAPHQL_MAX_TOKENS"`
	// MaxFields refuses documents of more field selections, counting a
	// fragment's fields each time it is spread. Default: 500.
	MaxFields int `env:"GRAPHQL_MAX_FIELDS"`
	// MaxAliases refuses documents with more aliased fields. Default: 20.
	MaxAliases int `env:"GRAPHQL_MAX_ALIASES"`
	// MaxDirectives refuses documents with more directives. Default: 50.
	MaxDirectives int `env:"GRAPHQL_MAX_DIRECTIVES"`
	// MaxBodyBytes caps POST bodies and WebSocket messages; larger ones get
	// 413. Default: 1 MiB.
	MaxBodyBytes int64 `env:"GRAPHQL_MAX_BODY_BYTES"`
	// Timeout bounds each query and mutation. Default: 10s.
	Timeout time.Duration `env:"GRAPHQL_TIMEOUT"`
	// DrainPeriod is how long, at most, a stopping server goes on answering,
	// every answer closing its connection, before it closes its listener.
	// Default: 1s; negative: none.
	DrainPeriod time.Duration `env:"GRAPHQL_DRAIN_PERIOD"`
	// AllowedOrigins are the origins whose pages may open subscriptions
	// over WebSocket, as host patterns ("app.example.com",
	// "*.example.com", "127.0.0.1:8280") or, with a scheme, origin
	// patterns ("https://app.example.com"). A page from the API's own
	// host, or from the host a proxy forwarded the request for
	// (X-Forwarded-Host, which a page cannot set), needs no entry; nor
	// does a client that is not a browser (no Origin).
	AllowedOrigins []string `env:"GRAPHQL_ALLOWED_ORIGINS" envSeparator:","`
	// DisableIntrospection turns schema introspection off.
	DisableIntrospection bool `env:"GRAPHQL_DISABLE_INTROSPECTION"`
	// DisablePlayground stops serving GraphiQL at GET /graphql.
	DisablePlayground bool `env:"GRAPHQL_DISABLE_PLAYGROUND"`
	// PlaygroundCDN has GraphiQL's page load its files (graphiql@4.1.2,
	// react@18.2.0, react-dom@18.2.0) from the jsDelivr CDN rather than
	// from the copies in the program, served under /graphql/assets/. They
	// are the same files, with the same integrity hashes. Default: false.
	PlaygroundCDN bool `env:"GRAPHQL_PLAYGROUND_CDN"`
}

// Backends.
const (
	BackendREST      = "rest"
	BackendInProcess = "inprocess"
)

// Defaults.
const (
	DefaultAddr          = ":8000"
	DefaultRESTAPIURL    = "http://localhost:5000"
	DefaultMaxDepth      = 10
	DefaultMaxComplexity = 10000
	DefaultMaxTokens     = 2000
	DefaultMaxFields     = 500
	DefaultMaxAliases    = 20
	DefaultMaxDirectives = 50
	DefaultMaxBodyBytes  = 1 << 20
	DefaultTimeout       = 10 * time.Second
)

// WithDefaults returns c with every unset field set to its default.
func (c Config) WithDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Backend == "" {
		c.Backend = BackendREST
	}
	if c.RESTAPIURL == "" {
		c.RESTAPIURL = DefaultRESTAPIURL
	}
	if c.MaxDepth == 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.MaxComplexity == 0 {
		c.MaxComplexity = DefaultMaxComplexity
	}
	for _, n := range []struct {
		field *int
		def   int
	}{{&c.MaxTokens, DefaultMaxTokens}, {&c.MaxFields, DefaultMaxFields}, {&c.MaxAliases, DefaultMaxAliases},
		{&c.MaxDirectives, DefaultMaxDirectives}} {
		if *n.field == 0 {
			*n.field = n.def
		}
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate reports every invalid field.
func (c Config) Validate() error {
	var errs []error
	if c.Backend != "" && c.Backend != BackendREST && c.Backend != BackendInProcess {
		errs = append(errs, fmt.Errorf("Backend %q: want %q or %q", c.Backend, BackendREST, BackendInProcess))
	}
	if c.RESTAPIURL != "" {
		if u, err := url.Parse(c.RESTAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("RESTAPIURL %q: want http(s)://host[:port]", c.RESTAPIURL))
		}
	}
	if c.MaxDepth < 0 || c.MaxComplexity < 0 || c.MaxBodyBytes < 0 || c.Timeout < 0 ||
		c.MaxTokens < 0 || c.MaxFields < 0 || c.MaxAliases < 0 || c.MaxDirectives < 0 {
		errs = append(errs, errors.New("limits must not be negative"))
	}
	for _, pattern := range c.AllowedOrigins {
		if _, err := path.Match(pattern, ""); err != nil {
			errs = append(errs, fmt.Errorf("AllowedOrigins %q: %w", pattern, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("graphqlapi: invalid config: %w", err)
	}
	return nil
}

package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the gateway's configuration: what it listens on, who may call
// it, where requests go and how fast. Load it from YAML with ParseConfig or
// build it in Go; Validate reports every mistake at once.
type Config struct {
	// Listen holds the addresses: HTTP (default :8280) and HTTPS (default
	// :8243) for API traffic, Admin (default :9443, HTTPS) for the admin
	// API. An empty HTTPS or Admin address is not served when set to "-".
	Listen Listen `yaml:"listen"`
	// TLS names the certificate files; without them a self-signed
	// development certificate is generated.
	TLS TLS `yaml:"tls"`
	// Admins may use the admin API (HTTP Basic, bcrypt hashes).
	Admins []User `yaml:"admins"`
	// Consumers are the callers the gateway knows, with their credentials
	// and throttling tier.
	Consumers []Consumer `yaml:"consumers"`
	// Tiers are the throttling tiers by name; WSO2's defaults (Unlimited,
	// Gold, Silver, Bronze, Unauthenticated) are there unless replaced.
	Tiers map[string]Limit `yaml:"tiers"`
	// JWT validates bearer tokens.
	JWT JWT `yaml:"jwt"`
	// Upstreams are the pools requests are sent to, by name.
	Upstreams map[string]Upstream `yaml:"upstreams"`
	// Routes map requests to upstreams, first match wins in ServeMux's
	// most-specific-pattern order.
	Routes []Route `yaml:"routes"`
	// Redis, when set (redis://host:port/db), shares throttling counts
	// between gateway instances.
	Redis string `yaml:"redis"`
}

// Listen holds the listen addresses.
type Listen struct {
	HTTP  string `yaml:"http"`
	HTTPS string `yaml:"https"`
	Admin string `yaml:"admin"`
}

// TLS names a certificate and its key, PEM files.
type TLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// User is a name and a bcrypt hash of its password.
type User struct {
	Name         string `yaml:"name"`
	PasswordHash string `yaml:"password_hash"`
}

// Consumer is a caller: an application with API keys, a Basic user, or a
// JWT subject. Its Tier sets its rate (Unauthenticated when empty).
type Consumer struct {
	Name    string   `yaml:"name"`
	Tier    string   `yaml:"tier"`
	APIKeys []string `yaml:"api_keys"`
	// Basic lets the consumer in with HTTP Basic as Name and a password
	// matching this bcrypt hash.
	BasicPasswordHash string `yaml:"basic_password_hash"`
	// Subjects are the JWT "sub" (or "azp", "client_id") values that are
	// this consumer.
	Subjects []string `yaml:"jwt_subjects"`
}

// Limit is a rate: Requests per Per, with Burst requests allowed at once
// (Requests when 0). A zero Requests is unlimited.
type Limit struct {
	Requests int           `yaml:"requests"`
	Per      time.Duration `yaml:"per"`
	Burst    int           `yaml:"burst"`
}

// Unlimited reports whether the limit lets everything through.
func (l Limit) Unlimited() bool { return l.Requests <= 0 }

// Tier names, as WSO2 API Manager has them.
const (
	TierUnlimited       = "Unlimited"
	TierGold            = "Gold"
	TierSilver          = "Silver"
	TierBronze          = "Bronze"
	TierUnauthenticated = "Unauthenticated"
)

// DefaultTiers are WSO2's default subscription tiers.
func DefaultTiers() map[string]Limit {
	return map[string]Limit{
		TierUnlimited:       {},
		TierGold:            {Requests: 5000, Per: time.Minute},
		TierSilver:          {Requests: 2000, Per: time.Minute},
		TierBronze:          {Requests: 1000, Per: time.Minute},
		TierUnauthenticated: {Requests: 500, Per: time.Minute},
	}
}

// JWT says which bearer tokens are valid: signed with a key from JWKSURL
// (fetched, cached and refreshed on unknown key ids) or Keys (PEM public
// keys for RS256/ES256, or a shared secret for HS256), issued by Issuer
// for Audience.
type JWT struct {
	JWKSURL  string   `yaml:"jwks_url"`
	Keys     []JWTKey `yaml:"keys"`
	Issuer   string   `yaml:"issuer"`
	Audience string   `yaml:"audience"`
	// Leeway tolerates clock skew on exp and nbf. Default: 30s.
	Leeway time.Duration `yaml:"leeway"`
	// AcceptUnknownSubjects lets in a valid token whose subject (sub,
	// azp, client_id) no consumer lists, as the consumer "jwt:" and its
	// subject on the Unauthenticated tier. Default (false): such a token
	// is refused like an invalid one, since an identity provider signs
	// tokens for all of its clients, not only the gateway's consumers.
	AcceptUnknownSubjects bool `yaml:"accept_unknown_subjects"`
}

// JWTKey is a verification key: a PEM public key or an HMAC secret.
type JWTKey struct {
	ID     string `yaml:"id"`
	PEM    string `yaml:"pem"`
	Secret string `yaml:"secret"`
}

// Upstream is a pool of targets.
type Upstream struct {
	Targets []Target `yaml:"targets"`
	// Balance is round_robin (default), weighted or least_requests.
	Balance string `yaml:"balance"`
	// Health checks every target with GET Health.Path.
	Health HealthCheck `yaml:"health"`
	// Suspension takes a failing target out of the pool for a while,
	// longer each time it fails again (WSO2's endpoint suspension).
	Suspension Suspension `yaml:"suspension"`
	// Failover names the pool to use when this one has no live target.
	Failover string `yaml:"failover"`
}

// Target is one upstream server.
type Target struct {
	URL    string `yaml:"url"`
	Weight int    `yaml:"weight"`
}

// HealthCheck probes targets; a zero Interval turns it off.
type HealthCheck struct {
	Path     string        `yaml:"path"`
	Interval time.Duration `yaml:"interval"`
	Timeout  time.Duration `yaml:"timeout"`
}

// Suspension tunes passive ejection: after Failures consecutive failures a
// target is suspended for Initial, then Factor times longer at each new
// failure, up to Max.
type Suspension struct {
	Failures int           `yaml:"failures"`
	Initial  time.Duration `yaml:"initial"`
	Factor   float64       `yaml:"factor"`
	Max      time.Duration `yaml:"max"`
}

// Route sends matching requests to an upstream.
type Route struct {
	Name string `yaml:"name"`
	// Methods it matches (every method when empty).
	Methods []string `yaml:"methods"`
	// Path is a net/http ServeMux pattern path: /articles/{id},
	// /articles/{rest...}, /static/ (a prefix).
	Path string `yaml:"path"`
	Host string `yaml:"host"`
	// Upstream is the pool the route sends to.
	Upstream string `yaml:"upstream"`
	// StripPrefix is removed from the path, then AddPrefix put before it.
	StripPrefix string `yaml:"strip_prefix"`
	AddPrefix   string `yaml:"add_prefix"`
	// Timeout bounds one upstream attempt. Default: 30s.
	Timeout time.Duration `yaml:"timeout"`
	// Retries are further attempts, on other targets, for idempotent
	// requests without a body and POSTs with an Idempotency-Key (and a
	// body of at most 1 MiB), whose attempt failed without an answer or
	// with 502/503/504.
	Retries int `yaml:"retries"`
	// Auth lists the schemes accepted: apikey, jwt, basic; or anonymous.
	// On a GraphQL route it is the default of the operation types
	// GraphQL.Operations does not set, and what requests carrying no
	// operation (GraphiQL's page) need.
	Auth []string `yaml:"auth"`
	// Scopes a JWT must all carry (scope or scp claim).
	Scopes []string `yaml:"scopes"`
	// Limit caps the route's requests from all consumers together.
	Limit Limit `yaml:"limit"`
	// Request and Response transform what passes.
	Request  Transform `yaml:"request"`
	Response Transform `yaml:"response"`
	// CORS, when set, answers browsers' preflight requests and adds the
	// CORS headers.
	CORS *CORS `yaml:"cors"`
	// WebSocket lets WebSocket handshakes (GET with Connection: Upgrade,
	// Upgrade: websocket) through to the upstream, as GraphQL
	// subscriptions need; other routes refuse them (400). No route
	// forwards another protocol upgrade: an Upgrade to h2c or anything
	// else is ignored, the request served as HTTP/1.1. Default: false.
	WebSocket bool `yaml:"websocket"`
	// GraphQL, when set, makes the route a GraphQL endpoint the gateway
	// reads: see GraphQL.
	GraphQL *GraphQL `yaml:"graphql"`
}

// GraphQL makes a route a GraphQL endpoint (GraphQL over HTTP; with
// Route.WebSocket, graphql-transport-ws) whose operations the gateway
// reads: each is parsed (validated too, when there is a schema), and its
// operation type and root fields — through aliases, fragments, the
// operation operationName picks, every request of a batch, every subscribe
// message of a WebSocket — decide the authentication, scopes and limits
// it needs. A GET never runs a mutation (405). What does not parse, or is
// over MaxDepth or MaxComplexity, never reaches the upstream, and the
// gateway's refusals on the route are GraphQL responses.
type GraphQL struct {
	// Schema is the schema's SDL; SchemaFile names a file holding it,
	// read when the configuration is put in force. With one (not both),
	// documents are validated against it at the edge; without, they are
	// classified as they parse and the upstream validates them.
	Schema     string `yaml:"schema"`
	SchemaFile string `yaml:"schema_file"`
	// Operations says who may run each operation type, and how often.
	Operations Operations `yaml:"operations"`
	// MaxDepth refuses operations whose fields nest deeper (a root field
	// is 1 deep). Default: 0, no limit.
	MaxDepth int `yaml:"max_depth"`
	// MaxComplexity refuses operations costing more: each field costs 1,
	// and what a field with an integer limit, first or last argument (a
	// literal, or a variable's value) selects costs that many times over,
	// as a list of that many would. Default: 0, no limit.
	MaxComplexity int `yaml:"max_complexity"`
	// Batching accepts a POST of a JSON array of requests, every one
	// classified and counted. Default: false — such a POST is refused
	// (422), as gqlgen does not take batches.
	Batching bool `yaml:"batching"`
}

// Operations holds the access of each operation type. One whose Auth is
// empty takes the route's Auth and Scopes.
type Operations struct {
	Query        Operation `yaml:"query"`
	Mutation     Operation `yaml:"mutation"`
	Subscription Operation `yaml:"subscription"`
}

// Operation is the access of one operation type, and of its root fields
// that need another.
type Operation struct {
	Access `yaml:",inline"`
	// Fields override Access for root fields, by name (an alias does not
	// change what a field is). Their Auth, when empty, and Scopes, when
	// Auth and Scopes are, come from the operation type; a field's Limit
	// applies besides the type's.
	Fields map[string]Access `yaml:"fields"`
}

// Access is what a GraphQL operation type or root field needs: the
// schemes accepted (as Route.Auth), the scopes a JWT must carry (as
// Route.Scopes), and a Limit on the requests carrying it, from all
// consumers together (as Route.Limit, which applies as well).
type Access struct {
	Auth   []string `yaml:"auth"`
	Scopes []string `yaml:"scopes"`
	Limit  Limit    `yaml:"limit"`
}

// over is a's auth and scopes where its parent has auth and scopes: its
// own auth and scopes when it lists schemes, its own scopes with the
// parent's schemes when it lists only scopes, else the parent's.
func (a Access) over(auth, scopes []string) ([]string, []string) {
	switch {
	case len(a.Auth) > 0:
		return a.Auth, a.Scopes
	case len(a.Scopes) > 0:
		return auth, a.Scopes
	}
	return auth, scopes
}

// Transform changes a request or response on its way: headers set,
// removed or renamed, and the top-level fields of a JSON body (an object,
// or each object of an array) renamed or removed.
type Transform struct {
	SetHeaders    map[string]string `yaml:"set_headers"`
	RemoveHeaders []string          `yaml:"remove_headers"`
	RenameHeaders map[string]string `yaml:"rename_headers"`
	RenameFields  map[string]string `yaml:"rename_fields"`
	RemoveFields  []string          `yaml:"remove_fields"`
}

func (t Transform) body() bool { return len(t.RenameFields)+len(t.RemoveFields) > 0 }

// CORS is a route's cross-origin policy.
type CORS struct {
	AllowedOrigins   []string `yaml:"allowed_origins"`
	AllowedMethods   []string `yaml:"allowed_methods"`
	AllowedHeaders   []string `yaml:"allowed_headers"`
	ExposedHeaders   []string `yaml:"exposed_headers"`
	AllowCredentials bool     `yaml:"allow_credentials"`
	MaxAge           int      `yaml:"max_age"`
}

// Auth schemes.
const (
	AuthAPIKey    = "apikey"
	AuthJWT       = "jwt"
	AuthBasic     = "basic"
	AuthAnonymous = "anonymous"
)

// Balancing strategies.
const (
	BalanceRoundRobin    = "round_robin"
	BalanceWeighted      = "weighted"
	BalanceLeastRequests = "least_requests"
)

// maxConfigSize bounds what ParseConfig reads.
const maxConfigSize = 4 << 20

// ParseConfig reads a YAML configuration, refusing unknown keys, and
// validates it.
func ParseConfig(r io.Reader) (Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigSize+1))
	if err != nil {
		return Config{}, fmt.Errorf("gateway: read config: %w", err)
	}
	if len(data) > maxConfigSize {
		return Config{}, fmt.Errorf("gateway: config larger than %d bytes", maxConfigSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var cfg Config
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("gateway: config: %w", err)
	}
	cfg = cfg.WithDefaults()
	return cfg, cfg.Validate()
}

// WithDefaults fills in what is not set.
func (c Config) WithDefaults() Config {
	if c.Listen.HTTP == "" {
		c.Listen.HTTP = ":8280"
	}
	if c.Listen.HTTPS == "" {
		c.Listen.HTTPS = ":8243"
	}
	if c.Listen.Admin == "" {
		c.Listen.Admin = ":9443"
	}
	tiers := DefaultTiers()
	for name, l := range c.Tiers {
		tiers[name] = l
	}
	c.Tiers = tiers
	if c.JWT.Leeway == 0 {
		c.JWT.Leeway = 30 * time.Second
	}
	upstreams := make(map[string]Upstream, len(c.Upstreams))
	for name, u := range c.Upstreams {
		if u.Balance == "" {
			u.Balance = BalanceRoundRobin
		}
		s := &u.Suspension
		if s.Failures <= 0 {
			s.Failures = 3
		}
		if s.Initial <= 0 {
			s.Initial = 30 * time.Second
		}
		if s.Factor < 1 {
			s.Factor = 2
		}
		if s.Max <= 0 {
			s.Max = 5 * time.Minute
		}
		if u.Health.Interval > 0 && u.Health.Timeout <= 0 {
			u.Health.Timeout = 2 * time.Second
		}
		for i := range u.Targets {
			if u.Targets[i].Weight <= 0 {
				u.Targets[i].Weight = 1
			}
		}
		upstreams[name] = u
	}
	c.Upstreams = upstreams
	routes := slices.Clone(c.Routes)
	for i := range routes {
		if routes[i].Timeout <= 0 {
			routes[i].Timeout = 30 * time.Second
		}
	}
	c.Routes = routes
	return c
}

// clone returns a deep copy: a Config shares no slice or map with it.
func (c Config) clone() Config {
	c.Admins = slices.Clone(c.Admins)
	c.Consumers = slices.Clone(c.Consumers)
	for i, cons := range c.Consumers {
		c.Consumers[i].APIKeys = slices.Clone(cons.APIKeys)
		c.Consumers[i].Subjects = slices.Clone(cons.Subjects)
	}
	c.Tiers = maps.Clone(c.Tiers)
	c.JWT.Keys = slices.Clone(c.JWT.Keys)
	ups := make(map[string]Upstream, len(c.Upstreams))
	for name, u := range c.Upstreams {
		u.Targets = slices.Clone(u.Targets)
		ups[name] = u
	}
	c.Upstreams = ups
	c.Routes = slices.Clone(c.Routes)
	for i, r := range c.Routes {
		c.Routes[i].Methods = slices.Clone(r.Methods)
		c.Routes[i].Auth = slices.Clone(r.Auth)
		c.Routes[i].Scopes = slices.Clone(r.Scopes)
		c.Routes[i].Request = r.Request.clone()
		c.Routes[i].Response = r.Response.clone()
		if r.GraphQL != nil {
			c.Routes[i].GraphQL = r.GraphQL.clone()
		}
		if r.CORS != nil {
			cors := *r.CORS
			cors.AllowedOrigins = slices.Clone(cors.AllowedOrigins)
			cors.AllowedMethods = slices.Clone(cors.AllowedMethods)
			cors.AllowedHeaders = slices.Clone(cors.AllowedHeaders)
			cors.ExposedHeaders = slices.Clone(cors.ExposedHeaders)
			c.Routes[i].CORS = &cors
		}
	}
	return c
}

func (g *GraphQL) clone() *GraphQL {
	c := *g
	for _, op := range []*Operation{&c.Operations.Query, &c.Operations.Mutation, &c.Operations.Subscription} {
		op.Access = op.Access.clone()
		if op.Fields != nil {
			fields := make(map[string]Access, len(op.Fields))
			for name, a := range op.Fields {
				fields[name] = a.clone()
			}
			op.Fields = fields
		}
	}
	return &c
}

func (a Access) clone() Access {
	a.Auth = slices.Clone(a.Auth)
	a.Scopes = slices.Clone(a.Scopes)
	return a
}

func (t Transform) clone() Transform {
	t.SetHeaders = maps.Clone(t.SetHeaders)
	t.RemoveHeaders = slices.Clone(t.RemoveHeaders)
	t.RenameHeaders = maps.Clone(t.RenameHeaders)
	t.RenameFields = maps.Clone(t.RenameFields)
	t.RemoveFields = slices.Clone(t.RemoveFields)
	return t
}

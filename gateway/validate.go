package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Validate reports every mistake in the configuration, one per line: those
// of its consumers, admins, tiers, upstreams and routes. The TLS files are
// checked as NewServers loads them, GraphQL schema files as New and Reload
// read them, the listen addresses as Start binds them.
func (c Config) Validate() error {
	errs := slices.Concat(c.consumerMistakes(), c.adminMistakes(), c.tierMistakes(), c.upstreamMistakes(), c.routeMistakes())
	if len(errs) > 0 {
		return fmt.Errorf("gateway: invalid config:\n%w", errors.Join(errs...))
	}
	return nil
}

// mistakes are what one part of a configuration gets wrong.
type mistakes []error

func (m *mistakes) add(format string, args ...any) { *m = append(*m, fmt.Errorf(format, args...)) }

func (c Config) consumerMistakes() (m mistakes) {
	keys := map[string]string{}
	for i, cons := range c.Consumers {
		if cons.Name == "" {
			m.add("consumers[%d]: no name", i)
		}
		if _, ok := c.Tiers[cons.Tier]; cons.Tier != "" && !ok {
			m.add("consumer %q: unknown tier %q", cons.Name, cons.Tier)
		}
		for _, k := range cons.APIKeys {
			if len(k) < 16 || strings.HasPrefix(k, "********") {
				m.add("consumer %q: an API key shorter than 16 characters, or masked", cons.Name)
			}
			if other, dup := keys[k]; dup {
				m.add("consumers %q and %q share an API key", other, cons.Name)
			}
			keys[k] = cons.Name
		}
		if h := cons.BasicPasswordHash; h != "" && !strings.HasPrefix(h, "$2") {
			m.add("consumer %q: basic_password_hash is not a bcrypt hash", cons.Name)
		}
	}
	return m
}

func (c Config) adminMistakes() (m mistakes) {
	for i, a := range c.Admins {
		if a.Name == "" || !strings.HasPrefix(a.PasswordHash, "$2") {
			m.add("admins[%d]: a name and a bcrypt password_hash are needed", i)
		}
	}
	return m
}

func (c Config) tierMistakes() (m mistakes) {
	for name, l := range c.Tiers {
		if l.Requests > 0 && l.Per <= 0 {
			m.add("tier %q: requests without a period (per)", name)
		}
	}
	return m
}

func (c Config) upstreamMistakes() (m mistakes) {
	for name, u := range c.Upstreams {
		if len(u.Targets) == 0 {
			m.add("upstream %q: no targets", name)
		}
		for _, t := range u.Targets {
			if pu, err := url.Parse(t.URL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
				m.add("upstream %q: target %q is not an http(s) URL", name, t.URL)
			}
		}
		if !slices.Contains([]string{BalanceRoundRobin, BalanceWeighted, BalanceLeastRequests}, u.Balance) {
			m.add("upstream %q: unknown balance %q (round_robin, weighted, least_requests)", name, u.Balance)
		}
		if _, ok := c.Upstreams[u.Failover]; u.Failover != "" && (!ok || u.Failover == name) {
			m.add("upstream %q: failover %q is not another upstream", name, u.Failover)
		}
		seen := map[string]bool{name: true}
		for next := u.Failover; next != ""; next = c.Upstreams[next].Failover {
			if seen[next] {
				m.add("upstream %q: its failover chain comes back to %q", name, next)
				break
			}
			seen[next] = true
		}
	}
	return m
}

func (c Config) routeMistakes() (m mistakes) {
	names := map[string]bool{}
	for i, r := range c.Routes {
		label := r.Name
		if label == "" {
			label = fmt.Sprintf("routes[%d]", i)
			m.add("%s: no name", label)
		} else if names[r.Name] {
			m.add("two routes are named %q", r.Name)
		}
		names[r.Name] = true
		m = append(m, c.oneRouteMistakes(label, r)...)
	}
	return m
}

// oneRouteMistakes are r's own, label naming it.
func (c Config) oneRouteMistakes(label string, r Route) (m mistakes) {
	if !strings.HasPrefix(r.Path, "/") {
		m.add("route %q: path %q does not start with /", label, r.Path)
	}
	if _, ok := c.Upstreams[r.Upstream]; !ok {
		m.add("route %q: unknown upstream %q", label, r.Upstream)
	}
	for _, meth := range r.Methods {
		if meth == "" || strings.ToUpper(meth) != meth || strings.ContainsAny(meth, " /{}") {
			m.add("route %q: bad method %q", label, meth)
		}
	}
	where := fmt.Sprintf("route %q", label)
	m = append(m, c.authMistakes(where, r.Auth, r.Scopes)...)
	m = append(m, limitMistakes(where, r.Limit)...)
	if r.Retries < 0 || r.Retries > 10 {
		m.add("route %q: retries %d (0 to 10)", label, r.Retries)
	}
	for _, tr := range []Transform{r.Request, r.Response} {
		m = append(m, tr.headerMistakes(label)...)
	}
	if r.WebSocket && len(r.Methods) > 0 && !slices.Contains(r.Methods, http.MethodGet) {
		m.add("route %q: websocket needs GET among its methods (handshakes are GETs)", label)
	}
	if r.CORS != nil && slices.Contains(r.CORS.AllowedOrigins, "*") && r.CORS.AllowCredentials {
		m.add("route %q: cors: credentials cannot go to any origin (*)", label)
	}
	if r.GraphQL != nil {
		m = append(m, c.graphqlMistakes(label, r)...)
	}
	return m
}

// limitMistakes are those of the limit of what where names.
func limitMistakes(where string, l Limit) (m mistakes) {
	if l.Requests > 0 && l.Per <= 0 {
		m.add("%s: a limit without a period (per)", where)
	}
	return m
}

// authMistakes are those of the authentication of what where names (a
// route, or one of its GraphQL operation types or fields): its schemes and
// scopes.
func (c Config) authMistakes(where string, auth, scopes []string) (m mistakes) {
	if len(auth) == 0 {
		m.add("%s: no auth (list apikey, jwt, basic, or anonymous)", where)
	}
	for _, a := range auth {
		switch a {
		case AuthAPIKey, AuthBasic:
		case AuthJWT:
			if c.JWT.JWKSURL == "" && len(c.JWT.Keys) == 0 {
				m.add("%s: jwt auth without jwt keys or a jwks_url", where)
			}
		case AuthAnonymous:
			if len(auth) > 1 {
				m.add("%s: anonymous excludes other schemes", where)
			}
		default:
			m.add("%s: unknown auth %q", where, a)
		}
	}
	if len(scopes) > 0 && !slices.Contains(auth, AuthJWT) {
		m.add("%s: scopes need jwt auth", where)
	}
	return m
}

// graphqlMistakes are those of r's GraphQL settings, label naming r: its
// schema, limits and methods, and the access of each operation type and
// root field as it resolves (see Access.over).
func (c Config) graphqlMistakes(label string, r Route) (m mistakes) {
	g := r.GraphQL
	var schema *ast.Schema
	switch {
	case g.Schema != "" && g.SchemaFile != "":
		m.add("route %q: graphql: schema and schema_file are both set", label)
	case g.Schema != "":
		var err error
		if schema, err = loadSchema(g.Schema); err != nil {
			m.add("route %q: graphql: schema: %v", label, err)
		}
	}
	if g.MaxDepth < 0 || g.MaxComplexity < 0 {
		m.add("route %q: graphql: max_depth and max_complexity cannot be negative", label)
	}
	if r.Request.body() {
		m.add("route %q: graphql: request field changes would change the operations the gateway classified", label)
	}
	for _, meth := range r.Methods {
		if meth != http.MethodGet && meth != http.MethodPost && meth != http.MethodOptions {
			m.add("route %q: graphql: method %s (GraphQL takes GET and POST)", label, meth)
		}
	}
	for i, op := range g.Operations.all() {
		where := fmt.Sprintf("route %q: graphql %s", label, opTypes[i])
		auth, scopes := op.over(r.Auth, r.Scopes)
		m = append(m, c.authMistakes(where, auth, scopes)...)
		m = append(m, limitMistakes(where, op.Limit)...)
		var root *ast.Definition
		if schema != nil {
			root = rootType(schema, i)
			if root == nil && len(op.Fields) > 0 {
				m.add("%s: the schema has no %s type", where, opTypes[i])
			}
		}
		for name, f := range op.Fields {
			where := where + " field " + strconv.Quote(name)
			if !validName(name) {
				m.add("%s: not a GraphQL name", where)
			} else if root != nil && root.Fields.ForName(name) == nil && !strings.HasPrefix(name, "__") {
				m.add("%s: the schema's %s type has no such field", where, root.Name)
			}
			fAuth, fScopes := f.over(auth, scopes)
			m = append(m, c.authMistakes(where, fAuth, fScopes)...)
			m = append(m, limitMistakes(where, f.Limit)...)
		}
	}
	return m
}

// validName reports whether s is a GraphQL name.
func validName(s string) bool {
	for i, c := range s {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// headerMistakes are the transform's header changes' mistakes, on the
// route label names.
func (t Transform) headerMistakes(label string) (m mistakes) {
	for name := range t.SetHeaders {
		if !validHeader(name) {
			m.add("route %q: bad header name %q", label, name)
		}
	}
	for from, to := range t.RenameHeaders {
		if !validHeader(from) || !validHeader(to) {
			m.add("route %q: bad header rename %q → %q", label, from, to)
		}
	}
	return m
}

// validHeader reports whether name is a header field name (an RFC 9110
// token) and not one the gateway owns: framing, and the hop-by-hop
// headers of upgrades and transfer codings it decides on.
func validHeader(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if c > 127 || !strings.ContainsRune("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", c) {
			return false
		}
	}
	switch http.CanonicalHeaderKey(name) {
	case "Host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "Http2-Settings", "Te":
		return false
	}
	return true
}

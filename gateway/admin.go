package gateway

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/articlekit/articlekit/metrics"
)

// Admin is the admin API, served on its own listener: it lists and changes
// the routes, consumers (with their keys) and tiers, or the whole
// configuration, each change validated and hot-reloaded. It speaks YAML
// (JSON, being YAML, is accepted too). Callers need an admin's HTTP Basic
// credentials.
//
//	GET    /config                    the configuration (secrets masked: API keys as their count, hashes and HMAC secrets as ********)
//	PUT    /config                    replace it
//	GET    /routes, /consumers, /tiers
//	PUT    /routes/{name}, /consumers/{name}, /tiers/{name}   add or replace one
//	DELETE /routes/{name}, /consumers/{name}
type Admin struct {
	g         *Gateway
	mux       *http.ServeMux
	mu        sync.Mutex // one change at a time
	passwords passwords
	metrics   http.Handler // GET /metrics, without credentials; nil: none
}

// AdminOption configures NewAdmin.
type AdminOption func(*Admin)

// ServingMetrics serves what gatherer gathers at GET /metrics of the admin
// listener, the one path there that needs no credentials, so that
// Prometheus scrapes the gateway where operators reach it.
func ServingMetrics(gatherer prometheus.Gatherer) AdminOption {
	return func(a *Admin) { a.metrics = metrics.Handler(gatherer) }
}

// What the admin API has not.
var (
	errNoAdminEndpoint = errors.New("no such admin endpoint")
	errNoItem          = errors.New("no such item")
)

// NewAdmin returns the admin API of g.
func NewAdmin(g *Gateway, opts ...AdminOption) *Admin {
	a := &Admin{g: g, mux: http.NewServeMux()}
	for _, opt := range opts {
		opt(a)
	}
	a.handle("GET /config", func(w http.ResponseWriter, _ *http.Request) error { return writeYAML(w, redacted(g.Config())) })
	a.handle("PUT /config", a.putConfig)
	a.handle("GET /routes", func(w http.ResponseWriter, _ *http.Request) error { return writeYAML(w, g.Config().Routes) })
	a.handle("GET /consumers", func(w http.ResponseWriter, _ *http.Request) error {
		return writeYAML(w, redacted(g.Config()).Consumers)
	})
	a.handle("GET /tiers", func(w http.ResponseWriter, _ *http.Request) error { return writeYAML(w, g.Config().Tiers) })
	a.handle("PUT /routes/{name}", changeOne(a, func(c *Config, name string, r Route) {
		r.Name = name
		if i := slices.IndexFunc(c.Routes, func(x Route) bool { return x.Name == name }); i >= 0 {
			c.Routes[i] = r
		} else {
			c.Routes = append(c.Routes, r)
		}
	}))
	a.handle("DELETE /routes/{name}", a.remove(func(c *Config, name string) bool {
		n := len(c.Routes)
		c.Routes = slices.DeleteFunc(c.Routes, func(x Route) bool { return x.Name == name })
		return len(c.Routes) != n
	}))
	a.handle("PUT /consumers/{name}", changeOne(a, func(c *Config, name string, cons Consumer) {
		cons.Name = name
		if i := slices.IndexFunc(c.Consumers, func(x Consumer) bool { return x.Name == name }); i >= 0 {
			c.Consumers[i] = cons
		} else {
			c.Consumers = append(c.Consumers, cons)
		}
	}))
	a.handle("DELETE /consumers/{name}", a.remove(func(c *Config, name string) bool {
		n := len(c.Consumers)
		c.Consumers = slices.DeleteFunc(c.Consumers, func(x Consumer) bool { return x.Name == name })
		return len(c.Consumers) != n
	}))
	a.handle("PUT /tiers/{name}", changeOne(a, func(c *Config, name string, l Limit) { c.Tiers[name] = l }))
	return a
}

// handle serves pattern with h, whose error is answered as a problem.
func (a *Admin) handle(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, a.g.log, err)
		}
	})
}

// ServeHTTP checks the caller is an admin, then serves the request.
func (a *Admin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.metrics != nil && r.Method == http.MethodGet && r.URL.Path == "/metrics" {
		a.metrics.ServeHTTP(w, r)
		return
	}
	if !a.admin(r) {
		writeError(w, r, a.g.log, &authError{err: ErrUnauthenticated, challenge: `Basic realm="articlekit-admin"`})
		return
	}
	if _, pattern := a.mux.Handler(r); pattern == "" {
		writeError(w, r, a.g.log, errNoAdminEndpoint)
		return
	}
	a.mux.ServeHTTP(w, r) // it sets the path values the handlers read
}

func (a *Admin) admin(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	cost := 0
	for _, u := range a.g.Config().Admins {
		if u.Name == user {
			return a.passwords.check(u.PasswordHash, pass)
		}
		cost = max(cost, hashCost(u.PasswordHash))
	}
	a.passwords.spend(cost, pass)
	return false
}

// maxAdminBody bounds what a change may send.
const maxAdminBody = 1 << 20

// readYAML decodes r's body into v; an *inputError says why it does not.
func readYAML(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	if err != nil {
		return &inputError{err}
	}
	if len(data) > maxAdminBody {
		return &inputError{errors.New("body larger than 1 MiB")}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return &inputError{err}
	}
	return nil
}

func (a *Admin) putConfig(w http.ResponseWriter, r *http.Request) error {
	var cfg Config
	if err := readYAML(r, &cfg); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.apply(w, cfg)
}

// changeOne serves PUT /…/{name}: it decodes one item and applies change
// to a copy of the configuration.
func changeOne[T any](a *Admin, change func(c *Config, name string, item T)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var item T
		if err := readYAML(r, &item); err != nil {
			return err
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		cfg := a.g.Config()
		change(&cfg, r.PathValue("name"), item)
		return a.apply(w, cfg)
	}
}

func (a *Admin) remove(del func(c *Config, name string) bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a.mu.Lock()
		defer a.mu.Unlock()
		cfg := a.g.Config()
		if !del(&cfg, r.PathValue("name")) {
			return errNoItem
		}
		return a.apply(w, cfg)
	}
}

// apply reloads cfg and answers with the new configuration; a
// *configError holds every mistake, nothing changed. Secrets sent back as
// GET showed them (masked) keep their values.
func (a *Admin) apply(w http.ResponseWriter, cfg Config) error {
	if err := restoreSecrets(&cfg, a.g.Config()); err != nil {
		return &configError{err}
	}
	if err := a.g.Reload(cfg); err != nil {
		return &configError{err}
	}
	return writeYAML(w, redacted(a.g.Config()))
}

const mask = "********"

// restoreSecrets puts back the secrets of cur that cfg holds masked, so that
// a configuration read and sent back keeps them, and a mask never becomes
// a key.
func restoreSecrets(cfg *Config, cur Config) error {
	for i, c := range cfg.Consumers {
		if !slices.ContainsFunc(c.APIKeys, func(k string) bool { return strings.HasPrefix(k, mask) }) {
			continue
		}
		j := slices.IndexFunc(cur.Consumers, func(x Consumer) bool { return x.Name == c.Name })
		if j < 0 || len(c.APIKeys) != 1 {
			return errors.New("consumer " + strconv.Quote(c.Name) + ": masked API keys can only stand for the keys it has")
		}
		cfg.Consumers[i].APIKeys = cur.Consumers[j].APIKeys
	}
	for i, a := range cfg.Admins {
		if a.PasswordHash != mask {
			continue
		}
		j := slices.IndexFunc(cur.Admins, func(x User) bool { return x.Name == a.Name })
		if j < 0 {
			return errors.New("admin " + strconv.Quote(a.Name) + ": a masked password hash can only stand for the one it has")
		}
		cfg.Admins[i].PasswordHash = cur.Admins[j].PasswordHash
	}
	for i, c := range cfg.Consumers {
		if c.BasicPasswordHash != mask {
			continue
		}
		j := slices.IndexFunc(cur.Consumers, func(x Consumer) bool { return x.Name == c.Name && x.BasicPasswordHash != "" })
		if j < 0 {
			return errors.New("consumer " + strconv.Quote(c.Name) + ": a masked password hash can only stand for the one it has")
		}
		cfg.Consumers[i].BasicPasswordHash = cur.Consumers[j].BasicPasswordHash
	}
	if cfg.Redis != cur.Redis && cfg.Redis == redactURL(cur.Redis) {
		cfg.Redis = cur.Redis
	}
	for i, k := range cfg.JWT.Keys {
		if k.Secret != mask {
			continue
		}
		j := slices.IndexFunc(cur.JWT.Keys, func(x JWTKey) bool { return x.ID == k.ID && x.Secret != "" })
		if j < 0 {
			return errors.New("jwt key " + strconv.Quote(k.ID) + ": a masked secret can only stand for the secret it has")
		}
		cfg.JWT.Keys[i].Secret = cur.JWT.Keys[j].Secret
	}
	return nil
}

// redacted hides secrets: API keys become a count.
func redacted(c Config) Config {
	for i := range c.Consumers {
		if n := len(c.Consumers[i].APIKeys); n > 0 {
			c.Consumers[i].APIKeys = []string{mask + " (" + strconv.Itoa(n) + " keys)"}
		}
	}
	for i := range c.JWT.Keys {
		if c.JWT.Keys[i].Secret != "" {
			c.JWT.Keys[i].Secret = mask
		}
	}
	for i := range c.Admins {
		c.Admins[i].PasswordHash = mask
	}
	for i := range c.Consumers {
		if c.Consumers[i].BasicPasswordHash != "" {
			c.Consumers[i].BasicPasswordHash = mask
		}
	}
	c.Redis = redactURL(c.Redis)
	return c
}

// redactURL masks a URL's password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); !ok {
		return raw
	}
	u.User = url.UserPassword(u.User.Username(), mask)
	return u.String()
}

func writeYAML(w http.ResponseWriter, v any) error {
	data, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(data)
	return nil
}

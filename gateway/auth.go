package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
)

// Identity is who a request comes from, once authenticated.
type Identity struct {
	// Consumer is the configured consumer's name, or, where
	// JWT.AcceptUnknownSubjects lets in a token of an unknown subject,
	// "jwt:" and its subject; "anonymous" on anonymous routes.
	Consumer string
	Tier     string
	Scheme   string
	Scopes   []string
}

// Authentication errors, mapped to 401 and 403.
var (
	ErrUnauthenticated = errors.New("missing or invalid credentials")
	ErrForbidden       = errors.New("credentials lack a required scope")
)

// authenticator checks credentials against the configuration.
type authenticator struct {
	keys      map[[32]byte]*Consumer // sha256 of an API key
	basic     map[string]*Consumer
	subjects  map[string]*Consumer
	jwt       jwt.Keyfunc
	parser    *jwt.Parser
	passwords passwords
	basicCost int // the costliest consumer hash's, for unknown users
	// acceptUnknown lets in tokens of subjects no consumer has.
	acceptUnknown bool
}

// apiKeyHeaders are where API keys are read from: WSO2's header, then the
// usual one. Keys in the query string are not accepted: they end up in logs.
// They are in canonical form, so that reading and deleting them costs no
// allocation.
var apiKeyHeaders = []string{"Apikey", "X-Api-Key"}

func newAuthenticator(ctx context.Context, cfg Config) (*authenticator, error) {
	a := &authenticator{keys: map[[32]byte]*Consumer{}, basic: map[string]*Consumer{}, subjects: map[string]*Consumer{},
		acceptUnknown: cfg.JWT.AcceptUnknownSubjects}
	for i := range cfg.Consumers {
		c := &cfg.Consumers[i]
		for _, k := range c.APIKeys {
			a.keys[sha256.Sum256([]byte(k))] = c
		}
		if c.BasicPasswordHash != "" {
			a.basic[c.Name] = c
			a.basicCost = max(a.basicCost, hashCost(c.BasicPasswordHash))
		}
		for _, s := range c.Subjects {
			a.subjects[s] = c
		}
	}
	if cfg.JWT.JWKSURL != "" || len(cfg.JWT.Keys) > 0 {
		kf, err := newKeyfunc(ctx, cfg.JWT)
		if err != nil {
			return nil, err
		}
		a.jwt = kf
		opts := []jwt.ParserOption{
			jwt.WithValidMethods([]string{"RS256", "ES256", "HS256"}),
			jwt.WithLeeway(cfg.JWT.Leeway),
			jwt.WithExpirationRequired(),
		}
		if cfg.JWT.Issuer != "" {
			opts = append(opts, jwt.WithIssuer(cfg.JWT.Issuer))
		}
		if cfg.JWT.Audience != "" {
			opts = append(opts, jwt.WithAudience(cfg.JWT.Audience))
		}
		a.parser = jwt.NewParser(opts...)
	}
	return a, nil
}

// newKeyfunc finds a token's key in the JWKS URL's set (refreshed by
// keyfunc on unknown key ids) or among the configured keys, always of the
// family the token's algorithm needs: an HS256 token is never checked
// with a public key as its secret.
func newKeyfunc(ctx context.Context, cfg JWT) (jwt.Keyfunc, error) {
	var remote keyfunc.Keyfunc
	if cfg.JWKSURL != "" {
		var err error
		if remote, err = keyfunc.NewDefaultCtx(ctx, []string{cfg.JWKSURL}); err != nil {
			return nil, fmt.Errorf("gateway: jwks %s: %w", cfg.JWKSURL, err)
		}
	}
	type key struct {
		id  string
		key any
	}
	var keys []key
	for i, k := range cfg.Keys {
		switch {
		case k.Secret != "":
			keys = append(keys, key{k.ID, []byte(k.Secret)})
		case strings.Contains(k.PEM, "BEGIN"):
			if rk, err := jwt.ParseRSAPublicKeyFromPEM([]byte(k.PEM)); err == nil {
				keys = append(keys, key{k.ID, rk})
			} else if ek, err := jwt.ParseECPublicKeyFromPEM([]byte(k.PEM)); err == nil {
				keys = append(keys, key{k.ID, ek})
			} else {
				return nil, fmt.Errorf("gateway: jwt key %d: not an RSA or EC public key", i)
			}
		default:
			return nil, fmt.Errorf("gateway: jwt key %d: give pem or secret", i)
		}
	}
	return func(t *jwt.Token) (any, error) {
		// Every key the token may have been signed with is tried: without
		// key ids, the second of two keys (one being rotated in) must
		// verify too.
		kid, _ := t.Header["kid"].(string)
		var set jwt.VerificationKeySet
		for _, k := range keys {
			if k.id != "" && kid != "" && k.id != kid {
				continue
			}
			var fits bool
			switch k.key.(type) {
			case []byte:
				_, fits = t.Method.(*jwt.SigningMethodHMAC)
			case *rsa.PublicKey:
				_, fits = t.Method.(*jwt.SigningMethodRSA)
			case *ecdsa.PublicKey:
				_, fits = t.Method.(*jwt.SigningMethodECDSA)
			}
			if fits {
				set.Keys = append(set.Keys, k.key)
			}
		}
		switch {
		case len(set.Keys) == 1:
			return set.Keys[0], nil
		case len(set.Keys) > 1:
			return set, nil
		}
		if remote != nil {
			return remote.Keyfunc(t)
		}
		return nil, errors.New("no key for this token")
	}, nil
}

// authenticate identifies r by the first scheme in schemes its credentials
// satisfy.
func (a *authenticator) authenticate(r *http.Request, route *Route) (Identity, error) {
	for _, scheme := range route.Auth {
		var id Identity
		var ok bool
		var err error
		switch scheme {
		case AuthAnonymous:
			return Identity{Consumer: "anonymous", Tier: TierUnauthenticated, Scheme: scheme}, nil
		case AuthAPIKey:
			id, ok = a.apiKey(r)
		case AuthBasic:
			id, ok = a.basicAuth(r)
		case AuthJWT:
			id, ok, err = a.bearer(r)
		}
		if err != nil {
			return Identity{}, err
		}
		if !ok {
			continue
		}
		if id.Tier == "" {
			id.Tier = TierUnauthenticated
		}
		for _, s := range route.Scopes {
			if !slices.Contains(id.Scopes, s) {
				return id, fmt.Errorf("%w: %s", ErrForbidden, s)
			}
		}
		return id, nil
	}
	return Identity{}, ErrUnauthenticated
}

func (a *authenticator) apiKey(r *http.Request) (Identity, bool) {
	for _, h := range apiKeyHeaders {
		if k := r.Header.Get(h); k != "" {
			if c, ok := a.keys[sha256.Sum256([]byte(k))]; ok {
				return Identity{Consumer: c.Name, Tier: c.Tier, Scheme: AuthAPIKey}, true
			}
			return Identity{}, false
		}
	}
	return Identity{}, false
}

func (a *authenticator) basicAuth(r *http.Request) (Identity, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return Identity{}, false
	}
	c, known := a.basic[user]
	if !known {
		a.passwords.spend(a.basicCost, pass)
		return Identity{}, false
	}
	if !a.passwords.check(c.BasicPasswordHash, pass) {
		return Identity{}, false
	}
	return Identity{Consumer: c.Name, Tier: c.Tier, Scheme: AuthBasic}, true
}

// maxPassword is as much of a password as bcrypt reads.
const maxPassword = 72

// passwords checks passwords against bcrypt hashes. It remembers the
// successes (by the sha256 of hash and password), so that each request
// does not pay bcrypt's deliberate slowness: at most one per hash, as
// longer passwords than bcrypt reads — whose every variant would match —
// are refused.
type passwords struct{ verified sync.Map }

func (p *passwords) check(hash, pass string) bool {
	if len(pass) > maxPassword {
		return false
	}
	sum := sha256.Sum256([]byte(hash + "\x00" + pass))
	if _, ok := p.verified.Load(sum); ok {
		return true
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pass)) != nil {
		return false
	}
	p.verified.Store(sum, true)
	return true
}

// spend takes the time checking a password against a hash of this cost
// would, so that timing does not tell which user names exist.
func (p *passwords) spend(cost int, pass string) {
	if len(pass) <= maxPassword {
		_ = bcrypt.CompareHashAndPassword(dummyHash(cost), []byte(pass))
	}
}

// hashCost is a bcrypt hash's cost, bcrypt's default for what is not one.
func hashCost(hash string) int {
	cost, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		return bcrypt.DefaultCost
	}
	return cost
}

// dummyHashes holds a hash per cost for spend, made when first needed.
var dummyHashes sync.Map

func dummyHash(cost int) []byte {
	cost = max(cost, bcrypt.DefaultCost)
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("not a password anyone has"), cost)
	dummyHashes.Store(cost, h)
	return h
}

// bearer validates a JWT bearer token. A request without one is not an
// error (another scheme may match); a bad one is, and so is a valid one
// whose subject no consumer has, unless such tokens are accepted.
func (a *authenticator) bearer(r *http.Request) (Identity, bool, error) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || a.parser == nil {
		return Identity{}, false, nil
	}
	claims := jwt.MapClaims{}
	if _, err := a.parser.ParseWithClaims(strings.TrimSpace(token), claims, a.jwt); err != nil {
		return Identity{}, false, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	id := Identity{Scheme: AuthJWT, Scopes: scopes(claims)}
	var unknown string // the first subject named, when no consumer has any
	for _, claim := range []string{"sub", "azp", "client_id"} {
		if s, _ := claims[claim].(string); s != "" {
			if c, ok := a.subjects[s]; ok {
				id.Consumer, id.Tier = c.Name, c.Tier
				return id, true, nil
			}
			if unknown == "" {
				unknown = s
			}
		}
	}
	switch {
	case unknown == "":
		return Identity{}, false, fmt.Errorf("%w: the token names no subject", ErrUnauthenticated)
	case !a.acceptUnknown:
		// Answered as any bad credentials are: whether a subject is a
		// consumer is not the client's to learn.
		return Identity{}, false, fmt.Errorf("%w: no consumer has the token's subject", ErrUnauthenticated)
	}
	id.Consumer = "jwt:" + unknown
	return id, true, nil
}

// challenge is the WWW-Authenticate value of a 401 on a route accepting
// schemes.
func challenge(schemes []string) string {
	var challenges []string
	for _, s := range schemes {
		switch s {
		case AuthJWT:
			challenges = append(challenges, `Bearer realm="articlekit"`)
		case AuthBasic:
			challenges = append(challenges, `Basic realm="articlekit"`)
		case AuthAPIKey:
			challenges = append(challenges, `ApiKey realm="articlekit", header="apikey"`)
		}
	}
	return strings.Join(challenges, ", ")
}

// scopes reads the scope (space-separated) or scp (list or string) claim.
func scopes(c jwt.MapClaims) []string {
	switch v := c["scope"].(type) {
	case string:
		return strings.Fields(v)
	}
	switch v := c["scp"].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, s := range v {
			if str, ok := s.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

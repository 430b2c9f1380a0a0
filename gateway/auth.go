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
	// schemes are those the configuration can satisfy: apikey, and jwt
	// and basic when it has keys and passwords for them.
	schemes []string
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
	a.schemes = []string{AuthAPIKey}
	if a.parser != nil {
		a.schemes = append(a.schemes, AuthJWT)
	}
	if len(a.basic) > 0 {
		a.schemes = append(a.schemes, AuthBasic)
	}
	return a, nil
}

// identify identifies the credentials h carries, of whichever scheme the
// configuration satisfies: anonymous when there are none, a
// *credentialsError when they are not valid.
func (a *authenticator) identify(h http.Header) (Identity, error) {
	if sentScheme(h) == "" {
		return anonymous, nil
	}
	return a.authenticate(h, a.schemes, nil)
}

// anonymous is the identity of a caller without credentials.
var anonymous = Identity{Consumer: "anonymous", Tier: TierUnauthenticated, Scheme: AuthAnonymous}

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

// authenticate identifies the request whose header h is by the first of
// schemes its credentials satisfy, and checks its identity carries scopes.
// A *credentialsError says why no scheme was satisfied.
func (a *authenticator) authenticate(h http.Header, schemes, scopes []string) (Identity, error) {
	invalid := "" // the first accepted scheme whose credentials were sent and refused
	for _, scheme := range schemes {
		var id Identity
		var ok, sent bool
		var err error
		switch scheme {
		case AuthAnonymous:
			return anonymous, nil
		case AuthAPIKey:
			id, ok, sent = a.apiKey(h)
		case AuthBasic:
			id, ok, sent = a.basicAuth(h)
		case AuthJWT:
			id, ok, err = a.bearer(h)
			if err != nil {
				return Identity{}, &credentialsError{problem: credentialsInvalid, scheme: AuthJWT, accepted: schemes, cause: err}
			}
		}
		if !ok {
			if sent && invalid == "" {
				invalid = scheme
			}
			continue
		}
		if id.Tier == "" {
			id.Tier = TierUnauthenticated
		}
		for _, s := range scopes {
			if !slices.Contains(id.Scopes, s) {
				return id, fmt.Errorf("%w: %s", ErrForbidden, s)
			}
		}
		return id, nil
	}
	if invalid != "" {
		return Identity{}, &credentialsError{problem: credentialsInvalid, scheme: invalid, accepted: schemes}
	}
	if sent := sentScheme(h); sent != "" {
		return Identity{}, &credentialsError{problem: credentialsNotAccepted, scheme: sent, accepted: schemes}
	}
	return Identity{}, &credentialsError{problem: credentialsMissing, accepted: schemes}
}

// What was wrong with a request's credentials.
const (
	credentialsMissing     = iota // none were sent
	credentialsNotAccepted        // of a scheme not accepted here
	credentialsInvalid            // unknown, revoked or wrong: all alike
)

// credentialsError refuses a request's credentials in the terms a 401 may
// show (see detail): none were sent, ones of a scheme the route does not
// accept, or ones that are not valid — an unknown key, a revoked one and a
// wrong one alike, so that the answer never tells whether a key exists.
// Its cause (a token check's, a JWKS fetch's) is not for the client.
type credentialsError struct {
	problem  int
	scheme   string   // of the credentials sent: apikey, jwt, basic, or "other"
	accepted []string // the schemes that would have done
	cause    error
}

func (e *credentialsError) Error() string {
	if e.cause != nil {
		return ErrUnauthenticated.Error() + ": " + e.cause.Error()
	}
	return ErrUnauthenticated.Error()
}

func (e *credentialsError) Is(target error) bool { return target == ErrUnauthenticated }
func (e *credentialsError) Unwrap() error        { return e.cause }

// detail says what is wrong, and what would do.
func (e *credentialsError) detail() string {
	switch e.problem {
	case credentialsInvalid:
		return invalidNames[e.scheme]
	case credentialsNotAccepted:
		return "not accepted here: " + schemeNames[e.scheme] + "; send " + acceptedNames(e.accepted)
	}
	return "no credentials: send " + acceptedNames(e.accepted)
}

// schemeNames name each scheme's credentials, for details.
var schemeNames = map[string]string{
	AuthAPIKey: "an API key (apikey or X-API-Key header)",
	AuthJWT:    "a bearer token (JWT)",
	AuthBasic:  "HTTP Basic credentials",
	"other":    "an Authorization header of this scheme",
}

// invalidNames say a scheme's credentials are not valid, and no more.
var invalidNames = map[string]string{
	AuthAPIKey: "the API key is not valid",
	AuthJWT:    "the bearer token is not valid",
	AuthBasic:  "the Basic credentials are not valid",
}

func acceptedNames(schemes []string) string {
	names := make([]string, 0, len(schemes))
	for _, s := range schemes {
		if n, ok := schemeNames[s]; ok {
			names = append(names, n)
		}
	}
	return strings.Join(names, " or ")
}

// sentScheme is the scheme of the credentials h carries, "" when none.
func sentScheme(h http.Header) string {
	for _, name := range apiKeyHeaders {
		if h.Get(name) != "" {
			return AuthAPIKey
		}
	}
	auth := h.Get("Authorization")
	switch {
	case auth == "":
		return ""
	case strings.HasPrefix(auth, "Bearer "):
		return AuthJWT
	case len(auth) > 6 && strings.EqualFold(auth[:6], "Basic "):
		return AuthBasic
	}
	return "other"
}

// apiKey identifies the consumer of the key h carries; sent tells a key
// was there, known or not.
func (a *authenticator) apiKey(h http.Header) (id Identity, ok, sent bool) {
	for _, name := range apiKeyHeaders {
		if k := h.Get(name); k != "" {
			if c, ok := a.keys[sha256.Sum256([]byte(k))]; ok {
				return Identity{Consumer: c.Name, Tier: c.Tier, Scheme: AuthAPIKey}, true, true
			}
			return Identity{}, false, true
		}
	}
	return Identity{}, false, false
}

// basicAuth identifies the consumer of h's Basic credentials; sent tells
// there were some, right or not.
func (a *authenticator) basicAuth(h http.Header) (id Identity, ok, sent bool) {
	user, pass, ok := (&http.Request{Header: h}).BasicAuth()
	if !ok {
		return Identity{}, false, false
	}
	c, known := a.basic[user]
	if !known {
		a.passwords.spend(a.basicCost, pass)
		return Identity{}, false, true
	}
	if !a.passwords.check(c.BasicPasswordHash, pass) {
		return Identity{}, false, true
	}
	return Identity{Consumer: c.Name, Tier: c.Tier, Scheme: AuthBasic}, true, true
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
func (a *authenticator) bearer(h http.Header) (Identity, bool, error) {
	token, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
	if !ok || a.parser == nil {
		return Identity{}, false, nil
	}
	claims := jwt.MapClaims{}
	if _, err := a.parser.ParseWithClaims(strings.TrimSpace(token), claims, a.jwt); err != nil {
		return Identity{}, false, err
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
		return Identity{}, false, errors.New("the token names no subject")
	case !a.acceptUnknown:
		// Answered as any bad credentials are: whether a subject is a
		// consumer is not the client's to learn.
		return Identity{}, false, errors.New("no consumer has the token's subject")
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

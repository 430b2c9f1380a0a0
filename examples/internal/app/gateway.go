package app

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/webapp"
)

// Gateway is the example programs' gateway settings.
type Gateway struct {
	// File is the gateway's YAML configuration; without it, a development
	// configuration (see Config).
	File         string `env:"GATEWAY_CONFIG"`
	DevAPIKey    string `env:"GATEWAY_DEV_API_KEY" envDefault:"dev-api-key-change-me"`
	DevAdminPass string `env:"GATEWAY_DEV_ADMIN_PASSWORD" envDefault:"admin-change-me"`
	HTTP         string `env:"GATEWAY_HTTP_ADDR"`
	HTTPS        string `env:"GATEWAY_HTTPS_ADDR"`
	Admin        string `env:"GATEWAY_ADMIN_ADDR"`
}

// Config reads the gateway's file, or without one builds the development
// configuration in front of the REST API at restAddr, the GraphQL API at
// graphqlAddr and the web app at webappAddr (at / and /app/): reads
// (GraphQL queries and subscriptions too) open to anyone, writes (GraphQL
// mutations too) with the API key DevAPIKey, the admin user "admin" with
// the password DevAdminPass. The listen addresses set override the file's.
func (g Gateway) Config(restAddr, graphqlAddr, webappAddr string) (gateway.Config, error) {
	var cfg gateway.Config
	if g.File != "" {
		f, err := os.Open(g.File)
		if err != nil {
			return cfg, fmt.Errorf("GATEWAY_CONFIG: %w", err)
		}
		defer f.Close()
		if cfg, err = gateway.ParseConfig(f); err != nil {
			return cfg, fmt.Errorf("GATEWAY_CONFIG %s: %w", g.File, err)
		}
	} else {
		adminHash, err := bcrypt.GenerateFromPassword([]byte(g.DevAdminPass), bcrypt.DefaultCost)
		if err != nil {
			return cfg, err
		}
		anonymous := []string{gateway.AuthAnonymous}
		cfg = gateway.Config{
			// A development configuration serves this machine only.
			Listen:    gateway.Listen{HTTP: "127.0.0.1:8280", HTTPS: "127.0.0.1:8243", Admin: "127.0.0.1:9443"},
			Admins:    []gateway.User{{Name: "admin", PasswordHash: string(adminHash)}},
			Consumers: []gateway.Consumer{{Name: "dev", Tier: gateway.TierGold, APIKeys: []string{g.DevAPIKey}}},
			Upstreams: map[string]gateway.Upstream{
				"rest":    {Targets: []gateway.Target{{URL: "http://" + restAddr}}, Health: gateway.HealthCheck{Path: "/health", Interval: 10 * time.Second}},
				"graphql": {Targets: []gateway.Target{{URL: "http://" + graphqlAddr}}},
				"webapp":  {Targets: []gateway.Target{{URL: "http://" + webappAddr}}, Health: gateway.HealthCheck{Path: "/health", Interval: 10 * time.Second}},
			},
			Routes: []gateway.Route{
				{Name: "articles-read", Methods: []string{"GET", "HEAD"}, Path: "/articles", Upstream: "rest", Auth: []string{gateway.AuthAnonymous}, Retries: 1},
				{Name: "articles-read-one", Methods: []string{"GET", "HEAD"}, Path: "/articles/", Upstream: "rest", Auth: []string{gateway.AuthAnonymous}, Retries: 1},
				{Name: "articles-write", Methods: []string{"POST", "PUT", "DELETE"}, Path: "/articles/", Upstream: "rest", Auth: []string{gateway.AuthAPIKey}},
				{Name: "articles-create", Methods: []string{"POST"}, Path: "/articles", Upstream: "rest", Auth: []string{gateway.AuthAPIKey}},
				// The web app: its page and its files, settings and status
				// figures. Routes of the app are named webapp…, which its
				// status page leaves out of the API traffic it charts.
				{Name: "webapp", Methods: []string{"GET", "HEAD"}, Path: "/{$}", Upstream: "webapp", Auth: anonymous},
				{Name: "webapp-files", Methods: []string{"GET", "HEAD"}, Path: "/app/", Upstream: "webapp", Auth: anonymous},
				{Name: "openapi", Methods: []string{"GET", "HEAD"}, Path: "/openapi.json", Upstream: "rest", Auth: anonymous},
				// GraphiQL's page is GET /graphql, below; its scripts and
				// styles are plain files.
				{Name: "graphiql-assets", Methods: []string{"GET", "HEAD"}, Path: "/graphql/assets/", Upstream: "graphql", Auth: anonymous},
				// Reads open — queries, and subscriptions over WebSocket
				// (graphql-transport-ws), each message classified — and
				// mutations with the API key, as the REST API's writes;
				// the GraphQL API's own depth and complexity limits
				// enforced at the edge too.
				{Name: "graphql", Path: "/graphql", Upstream: "graphql", Auth: anonymous, WebSocket: true,
					GraphQL: &gateway.GraphQL{
						MaxDepth: graphqlapi.DefaultMaxDepth, MaxComplexity: graphqlapi.DefaultMaxComplexity,
						Operations: gateway.Operations{
							Query:        gateway.Operation{Access: gateway.Access{Auth: anonymous}},
							Subscription: gateway.Operation{Access: gateway.Access{Auth: anonymous}},
							Mutation:     gateway.Operation{Access: gateway.Access{Auth: []string{gateway.AuthAPIKey}}},
						},
					}},
			},
		}
	}
	if g.HTTP != "" {
		cfg.Listen.HTTP = g.HTTP
	}
	if g.HTTPS != "" {
		cfg.Listen.HTTPS = g.HTTPS
	}
	if g.Admin != "" {
		cfg.Listen.Admin = g.Admin
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("GATEWAY_CONFIG: %w", err)
	}
	return cfg, nil
}

// WebApp is the web app's configuration behind this gateway: in the
// development configuration, the development API key is filled in for
// visitors, and the app's banner says so.
func (g Gateway) WebApp(cfg webapp.Config) webapp.Config {
	if g.File == "" && cfg.DevAPIKey == "" {
		cfg.DevAPIKey = g.DevAPIKey
	}
	return cfg
}

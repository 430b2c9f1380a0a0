// Command gateway runs the REST and GraphQL APIs behind the ArticleKit
// gateway in one process: API traffic on :8280 (HTTP) and :8243 (HTTPS,
// a self-signed development certificate unless configured), the admin API
// on :9443.
//
// Environment: GATEWAY_CONFIG, a YAML file (see the README); without it a
// development configuration routes /articles (reads open to anyone, writes
// with the API key GATEWAY_DEV_API_KEY) and /graphql to the APIs in this
// process, with the admin user "admin" and password GATEWAY_DEV_ADMIN_PASSWORD.
// DATABASE_URL, REST_ADDR (default 127.0.0.1:5000), GRAPHQL_ADDR (default
// 127.0.0.1:8000), GRAPHQL_BACKEND, LOG_LEVEL as for the other examples.
package main

import (
	"fmt"
	"os"
	"time"

	"go.uber.org/fx"
	"golang.org/x/crypto/bcrypt"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
)

type config struct {
	Articles     articles.Config
	REST         restapi.Config
	GraphQL      graphqlapi.Config
	Logging      app.Logging
	GatewayFile  string `env:"GATEWAY_CONFIG"`
	DevAPIKey    string `env:"GATEWAY_DEV_API_KEY" envDefault:"dev-api-key-change-me"`
	DevAdminPass string `env:"GATEWAY_DEV_ADMIN_PASSWORD" envDefault:"admin-change-me"`
	GatewayHTTP  string `env:"GATEWAY_HTTP_ADDR"`
	GatewayHTTPS string `env:"GATEWAY_HTTPS_ADDR"`
	GatewayAdmin string `env:"GATEWAY_ADMIN_ADDR"`
}

func main() {
	cfg := config{REST: restapi.Config{Addr: "127.0.0.1:5000"}, GraphQL: graphqlapi.Config{Addr: "127.0.0.1:8000"}}
	if err := app.LoadEnv(&cfg); err != nil {
		app.Fatal(err)
	}
	log, err := app.NewLogger(cfg.Logging)
	if err != nil {
		app.Fatal(err)
	}
	gw, err := gatewayConfig(cfg)
	if err != nil {
		app.Fatal(err)
	}
	if cfg.GatewayFile == "" {
		log.Warn("GATEWAY_CONFIG is not set: a development configuration with a development API key and admin password")
	}
	fx.New(
		fx.Supply(cfg.Articles, cfg.REST, cfg.GraphQL, gw, log),
		app.WithLogger(),
		metrics.Module,
		articles.Module,
		restapi.Module,
		graphqlapi.Module,
		gateway.Module,
	).Run()
}

func gatewayConfig(cfg config) (gateway.Config, error) {
	var gw gateway.Config
	if cfg.GatewayFile != "" {
		f, err := os.Open(cfg.GatewayFile)
		if err != nil {
			return gw, err
		}
		defer f.Close()
		if gw, err = gateway.ParseConfig(f); err != nil {
			return gw, err
		}
	} else {
		adminHash, err := bcrypt.GenerateFromPassword([]byte(cfg.DevAdminPass), bcrypt.DefaultCost)
		if err != nil {
			return gw, err
		}
		gw = gateway.Config{
			Admins:    []gateway.User{{Name: "admin", PasswordHash: string(adminHash)}},
			Consumers: []gateway.Consumer{{Name: "dev", Tier: gateway.TierGold, APIKeys: []string{cfg.DevAPIKey}}},
			Upstreams: map[string]gateway.Upstream{
				"rest":    {Targets: []gateway.Target{{URL: "http://" + cfg.REST.Addr}}, Health: gateway.HealthCheck{Path: "/health", Interval: 10 * time.Second}},
				"graphql": {Targets: []gateway.Target{{URL: "http://" + cfg.GraphQL.Addr}}},
			},
			Routes: []gateway.Route{
				{Name: "articles-read", Methods: []string{"GET", "HEAD"}, Path: "/articles", Upstream: "rest", Auth: []string{gateway.AuthAnonymous}, Retries: 1},
				{Name: "articles-read-one", Methods: []string{"GET", "HEAD"}, Path: "/articles/", Upstream: "rest", Auth: []string{gateway.AuthAnonymous}, Retries: 1},
				{Name: "articles-write", Methods: []string{"POST", "PUT", "DELETE"}, Path: "/articles/", Upstream: "rest", Auth: []string{gateway.AuthAPIKey}},
				{Name: "articles-create", Methods: []string{"POST"}, Path: "/articles", Upstream: "rest", Auth: []string{gateway.AuthAPIKey}},
				{Name: "graphql", Path: "/graphql", Upstream: "graphql", Auth: []string{gateway.AuthAnonymous}},
			},
		}
	}
	if cfg.GatewayHTTP != "" {
		gw.Listen.HTTP = cfg.GatewayHTTP
	}
	if cfg.GatewayHTTPS != "" {
		gw.Listen.HTTPS = cfg.GatewayHTTPS
	}
	if cfg.GatewayAdmin != "" {
		gw.Listen.Admin = cfg.GatewayAdmin
	}
	gw = gw.WithDefaults()
	if err := gw.Validate(); err != nil {
		return gw, fmt.Errorf("GATEWAY_CONFIG: %w", err)
	}
	return gw, nil
}

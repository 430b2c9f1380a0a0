package main

import (
	"testing"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/restapi"
)

// The program's fx graph is complete: every dependency has a provider.
func TestModulesWire(t *testing.T) {
	cfg := config{REST: restapi.Config{Addr: "127.0.0.1:5000"}, GraphQL: graphqlapi.Config{Addr: "127.0.0.1:8000"}}
	cfg.Gateway.DevAPIKey, cfg.Gateway.DevAdminPass = "test-api-key-0123456789", "test-admin"
	gw, err := cfg.Gateway.Config(cfg.REST.Addr, cfg.GraphQL.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.ValidateApp(modules(cfg, gw, zap.NewNop())); err != nil {
		t.Fatal(err)
	}
}

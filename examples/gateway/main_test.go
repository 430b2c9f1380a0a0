package main

import (
	"os"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/restapi"
	"github.com/articlekit/articlekit/webapp"
)

// The program's fx graph is complete: every dependency has a provider.
func TestModulesWire(t *testing.T) {
	cfg := config{REST: restapi.Config{Addr: "127.0.0.1:5000"}, GraphQL: graphqlapi.Config{Addr: "127.0.0.1:8000"},
		WebApp: webapp.Config{Addr: webapp.DefaultAddr}}
	cfg.Gateway.DevAPIKey, cfg.Gateway.DevAdminPass = "test-api-key-0123456789", "test-admin"
	gw, err := cfg.Gateway.Config(cfg.REST.Addr, cfg.GraphQL.Addr, cfg.WebApp.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.ValidateApp(modules(cfg, gw, zap.NewNop())); err != nil {
		t.Fatal(err)
	}
}

func TestMain(m *testing.M) { app.TestMain(m, main) }

// -h and --help print the usage and exit 0, starting nothing and writing
// no file; anything else on the command line exits 2.
func TestHelp(t *testing.T) {
	for _, flag := range []string{"-h", "--help"} {
		ran := app.Run(t, []string{flag})
		if ran.Exit != 0 || !strings.Contains(ran.Stderr, "usage: gateway") || !strings.Contains(ran.Stderr, "LOG_LEVEL") {
			t.Fatalf("%s: exit %d, stderr %q", flag, ran.Exit, ran.Stderr)
		}
		if files, _ := os.ReadDir(ran.Dir); len(files) > 0 {
			t.Fatalf("%s wrote %v", flag, files)
		}
	}
	for _, args := range [][]string{{"--bogus"}, {"serve"}} {
		if ran := app.Run(t, args); ran.Exit != 2 {
			t.Fatalf("%v: exit %d, want 2 (stderr %q)", args, ran.Exit, ran.Stderr)
		}
	}
}

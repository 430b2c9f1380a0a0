package main

import (
	"testing"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/examples/internal/app"
)

// The program's fx graph is complete: every dependency has a provider.
func TestModulesWire(t *testing.T) {
	var cfg config
	cfg.Target = app.SyncTarget{Applier: "store", DatabaseURL: "sqlite://replica.db"}
	if err := fx.ValidateApp(modules(cfg, zap.NewNop())); err != nil {
		t.Fatal(err)
	}
}

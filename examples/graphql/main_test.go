package main

import (
	"testing"

	"go.uber.org/fx"
	"go.uber.org/zap"
)

// The program's fx graph is complete: every dependency has a provider.
func TestModulesWire(t *testing.T) {
	var cfg config
	if err := fx.ValidateApp(modules(cfg, zap.NewNop())); err != nil {
		t.Fatal(err)
	}
}

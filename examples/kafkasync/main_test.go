package main

import (
	"os"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/kafkasync/kafkatest"
)

// The program's fx graph is complete: every dependency has a provider.
func TestModulesWire(t *testing.T) {
	var cfg config
	cfg.Target = app.SyncTarget{Applier: "store", DatabaseURL: "sqlite://replica.db"}
	if err := fx.ValidateApp(modules(cfg, zap.NewNop())); err != nil {
		t.Fatal(err)
	}
}

// The test binary runs the development broker, or the program, in a
// process of its own when a test asks (the crash test kills them).
func TestMain(m *testing.M) {
	kafkatest.DevBrokerMain()
	app.TestMain(m, main)
}

// -h and --help print the usage and exit 0, starting nothing and writing
// no file; anything else on the command line exits 2.
func TestHelp(t *testing.T) {
	for _, flag := range []string{"-h", "--help"} {
		ran := app.Run(t, []string{flag})
		if ran.Exit != 0 || !strings.Contains(ran.Stderr, "usage: kafkasync") || !strings.Contains(ran.Stderr, "LOG_LEVEL") {
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

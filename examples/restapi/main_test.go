package main

import (
	"net"
	"os"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/examples/internal/app"
)

// The program's fx graph is complete: every dependency has a provider.
func TestModulesWire(t *testing.T) {
	var cfg config
	if err := fx.ValidateApp(modules(cfg, zap.NewNop())); err != nil {
		t.Fatal(err)
	}
}

// -h and --help print the usage and exit 0, starting nothing and writing
// no file; anything else on the command line exits 2.
func TestHelp(t *testing.T) {
	for _, flag := range []string{"-h", "--help"} {
		ran := app.Run(t, []string{flag})
		if ran.Exit != 0 || !strings.Contains(ran.Stderr, "usage: restapi") || !strings.Contains(ran.Stderr, "LOG_LEVEL") {
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

// An address in use stops the program at start with exit 1 and one line
// of log that names the address once, without a stack trace.
func TestStartFailure(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	ran := app.Run(t, nil, "REST_ADDR="+taken.Addr().String(), "LOG_FORMAT=json")
	lines := strings.Split(strings.TrimSpace(ran.Stderr), "\n")
	var errs []string
	for _, line := range lines {
		if strings.Contains(line, `"level":"error"`) {
			errs = append(errs, line)
		}
	}
	if ran.Exit != 1 || len(errs) != 1 {
		t.Fatalf("exit %d, %d error lines, want 1 and 1:\n%s", ran.Exit, len(errs), ran.Stderr)
	}
	want := "restapi: listen tcp " + taken.Addr().String() + ": bind: address already in use"
	if !strings.Contains(errs[0], want) || strings.Count(errs[0], taken.Addr().String()) != 1 ||
		strings.Contains(ran.Stderr, "stacktrace") {
		t.Fatalf("stderr = %s\nwant one error line with %q, no stack trace", ran.Stderr, want)
	}
}

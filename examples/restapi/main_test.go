package main

import (
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/internal/nettest"
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

// SIGTERM stops the program gracefully, exit 0, saying so in the log.
func TestStopOnSignal(t *testing.T) {
	addr := nettest.FreeAddr(t)
	running := app.Start(t, nil, "REST_ADDR="+addr, "DATABASE_URL=sqlite://articles.db", "LOG_FORMAT=json")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			running.Signal(syscall.SIGKILL)
			t.Fatalf("not ready within 20s:\n%s", running.Wait().Stderr)
		}
	}
	running.Signal(syscall.SIGTERM)
	ran := running.Wait()
	if ran.Exit != 0 || !strings.Contains(ran.Stderr, `"msg":"stopping","signal":"terminated"`) || !strings.Contains(ran.Stderr, `"msg":"stopped"`) {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 0 and the stop logged", ran.Exit, ran.Stderr)
	}
}

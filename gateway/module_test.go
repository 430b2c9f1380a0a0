package gateway_test

import (
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/gateway"
)

func TestModule(t *testing.T) {
	up := newUpstream(t, "a")
	cfg := gateway.Config{
		Listen:    gateway.Listen{HTTP: "127.0.0.1:0", HTTPS: "-", Admin: "-"},
		Upstreams: map[string]gateway.Upstream{"u": {Targets: []gateway.Target{{URL: up.URL}}}},
		Routes:    []gateway.Route{{Name: "open", Path: "/", Upstream: "u", Auth: []string{"anonymous"}}},
	}
	var servers *gateway.Servers
	app := fxtest.New(t, fx.Supply(cfg, zap.NewNop()), gateway.Module, fx.Populate(&servers))
	app.RequireStart()
	if n := len(servers.Addrs()); n != 1 {
		t.Fatalf("%d listeners, want HTTP only", n)
	}
	app.RequireStop()
}

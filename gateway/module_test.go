package gateway_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/metrics"
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

// With metrics.Module, the admin listener serves /metrics without
// credentials, and nothing else without them.
func TestModuleServesMetricsOnTheAdminListener(t *testing.T) {
	up := newUpstream(t, "a")
	cfg := gateway.Config{
		Listen:    gateway.Listen{HTTP: "127.0.0.1:0", HTTPS: "-", Admin: "127.0.0.1:0"},
		Upstreams: map[string]gateway.Upstream{"u": {Targets: []gateway.Target{{URL: up.URL}}}},
		Routes:    []gateway.Route{{Name: "open", Path: "/", Upstream: "u", Auth: []string{"anonymous"}}},
	}
	var servers *gateway.Servers
	app := fxtest.New(t, fx.Supply(cfg, zap.NewNop()), metrics.Module, gateway.Module, fx.Populate(&servers))
	app.RequireStart()
	defer app.RequireStop()
	addrs := servers.Addrs()
	resp, err := http.Get("http://" + addrs[0].String() + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	admin := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	get := func(path string) (int, string) {
		resp, err := admin.Get("https://" + addrs[1].String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, `gateway_requests_total{consumer="anonymous",route="open",status="200"} 1`) {
		t.Fatalf("GET /metrics on the admin listener = %d %.300s", code, body)
	}
	if code, _ := get("/config"); code != http.StatusUnauthorized {
		t.Fatalf("GET /config without credentials = %d, want 401", code)
	}
}

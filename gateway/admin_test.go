package gateway_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/articlekit/articlekit/gateway"
)

// The admin API needs an admin, changes the configuration live, refuses
// bad changes whole and never shows or loses secrets.
func TestAdmin(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) {
		c.Admins = []gateway.User{{Name: "root", PasswordHash: hash(t, "admin-pass")}}
		c.Listen = gateway.Listen{HTTP: "127.0.0.1:0", HTTPS: "127.0.0.1:0", Admin: "127.0.0.1:0"}
		c.Redis = "redis://:redis-secret-pw@127.0.0.1:1/0" // unreachable: limits fall back to local ones
	})
	servers, err := gateway.NewServers(h.gw, gateway.NewAdmin(h.gw))
	if err != nil {
		t.Fatal(err)
	}
	if err := servers.Start(); err != nil {
		t.Fatal(err)
	}
	defer servers.Stop(t.Context())
	addrs := servers.Addrs()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the development certificate
	}}
	admin := func(method, path, body string, auth bool) (int, string) {
		req, _ := http.NewRequest(method, "https://"+addrs[2].String()+path, strings.NewReader(body))
		if auth {
			req.SetBasicAuth("root", "admin-pass")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	if code, _ := admin("GET", "/config", "", false); code != 401 {
		t.Fatalf("no credentials: %d", code)
	}
	code, cfg := admin("GET", "/config", "", true)
	if code != 200 || strings.Contains(cfg, goldKey) || !strings.Contains(cfg, "1 keys") || strings.Contains(cfg, "$2a$") ||
		strings.Contains(cfg, "redis-secret-pw") {
		t.Fatalf("GET /config = %d:\n%s", code, cfg)
	}
	// The configuration read back keeps the real keys.
	if code, body := admin("PUT", "/config", cfg, true); code != 200 {
		t.Fatalf("PUT back: %d %s", code, body)
	}
	if resp, _ := h.do("GET", "/articles/1", "apikey", goldKey); resp.StatusCode != 200 {
		t.Fatalf("the gold key stopped working: %d", resp.StatusCode)
	}
	if code, _ := admin("GET", "/routes", "", true); code != 200 {
		t.Fatalf("the admin password stopped working after a round trip: %d", code)
	}
	basic, _ := http.NewRequest("GET", h.srv.URL+"/articles/1", nil)
	basic.SetBasicAuth("ops", "s3cret-pass")
	if resp, err := http.DefaultClient.Do(basic); err != nil || resp.StatusCode != 200 {
		t.Fatalf("a Basic consumer after a round trip: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// A new route, live on the HTTPS listener at once.
	if code, body := admin("PUT", "/routes/extra", "{methods: [GET], path: /extra, upstream: articles, auth: [anonymous]}", true); code != 200 {
		t.Fatalf("PUT route: %d %s", code, body)
	}
	resp, err := client.Get("https://" + addrs[1].String() + "/extra")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("new route over HTTPS: %v %v", resp, err)
	}
	resp.Body.Close()
	// A bad change is refused whole.
	if code, body := admin("PUT", "/routes/broken", "{path: nope, upstream: nowhere, auth: [magic]}", true); code != 422 ||
		!strings.Contains(body, "unknown upstream") || !strings.Contains(body, "unknown auth") {
		t.Fatalf("bad route: %d %s", code, body)
	}
	if code, _ := admin("PUT", "/routes/x", "{colour: red}", true); code != 400 {
		t.Fatalf("unknown field: %d", code)
	}
	if code, _ := admin("DELETE", "/routes/extra", "", true); code != 200 {
		t.Fatalf("DELETE: %d", code)
	}
	if code, _ := admin("DELETE", "/routes/extra", "", true); code != 404 {
		t.Fatalf("DELETE again: %d", code)
	}
	// A new consumer with a key, then its tier changed.
	if code, body := admin("PUT", "/consumers/new-app", "{tier: Silver, api_keys: [new-app-key-0123456789]}", true); code != 200 {
		t.Fatalf("PUT consumer: %d %s", code, body)
	}
	if resp, _ := h.do("GET", "/articles/1", "apikey", "new-app-key-0123456789"); resp.StatusCode != 200 {
		t.Fatalf("the new key: %d", resp.StatusCode)
	}
	if code, _ := admin("PUT", "/consumers/other", "{api_keys: ['******** (1 keys)']}", true); code != 422 {
		t.Fatalf("a mask as a new consumer's key: %d", code)
	}
	// Plain HTTP serves the API too.
	resp, err = http.Get("http://" + addrs[0].String() + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HTTP listener: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestParseConfig(t *testing.T) {
	good := `
consumers:
  - {name: app, tier: Gold, api_keys: [app-key-0123456789abc]}
upstreams:
  rest: {targets: [{url: "http://127.0.0.1:5000"}], balance: least_requests}
routes:
  - {name: read, methods: [GET], path: "/articles/{id}", upstream: rest, auth: [apikey], timeout: 5s}
`
	cfg, err := gateway.ParseConfig(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen.HTTP != ":8280" || cfg.Tiers[gateway.TierGold].Requests != 5000 || cfg.Routes[0].Timeout != 5*time.Second {
		t.Fatalf("%+v", cfg)
	}
	bad := `
consumers:
  - {name: app, tier: Platinum, api_keys: [short]}
upstreams:
  rest: {targets: [{url: "ftp://x"}], balance: random, failover: rest}
routes:
  - {name: read, path: articles, upstream: nowhere, auth: [jwt, magic], scopes: [x], retries: 99}
  - {name: ws, methods: [POST], path: /ws, upstream: rest, auth: [anonymous], websocket: true, request: {set_headers: {Upgrade: h2c}}}
`
	_, err = gateway.ParseConfig(strings.NewReader(bad))
	for _, want := range []string{`unknown tier "Platinum"`, "shorter than 16", "not an http(s) URL", `unknown balance "random"`,
		"failover", "does not start with /", `unknown upstream "nowhere"`, `unknown auth "magic"`, "jwt auth without", "retries 99",
		"websocket needs GET", `bad header name "Upgrade"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	cycle := "upstreams:\n  a: {targets: [{url: 'http://h'}], failover: b}\n  b: {targets: [{url: 'http://h'}], failover: a}\n"
	if _, err := gateway.ParseConfig(strings.NewReader(cycle)); err == nil || !strings.Contains(err.Error(), "failover chain comes back") {
		t.Errorf("a failover loop: %v", err)
	}
	if _, err := gateway.ParseConfig(strings.NewReader("routez: []")); err == nil {
		t.Error("an unknown key was accepted")
	}
}

package gateway_test

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/articlekit/articlekit/gateway"
)

// Field filters are not bypassed by compression, ranges, letter case or a
// body the gateway cannot read: the gateway transforms or refuses.
func TestTransformsFailClosed(t *testing.T) {
	const doc = `{"id":9007199254740993,"title":"x","internal_score":42}`
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/doc":
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				w.Header().Set("Content-Encoding", "gzip")
				zw := gzip.NewWriter(w)
				_, _ = io.WriteString(zw, doc)
				_ = zw.Close()
				return
			}
			if r.Header.Get("Range") != "" {
				w.WriteHeader(http.StatusPartialContent)
				_, _ = io.WriteString(w, doc[5:])
				return
			}
			_, _ = io.WriteString(w, doc)
		case "/brotli": // an upstream that compresses whatever it was asked
			w.Header().Set("Content-Encoding", "br")
			_, _ = io.WriteString(w, "\x1b\x00not json")
		case "/broken":
			_, _ = io.WriteString(w, `{"internal_score": 42, "title": `)
		case "/echo":
			body, _ := io.ReadAll(r.Body)
			_ = json.NewEncoder(w).Encode(map[string]string{"body": string(body)})
		}
	}))
	defer up.Close()
	h := newHarness(t, func(c *gateway.Config) {
		c.Upstreams["t"] = gateway.Upstream{Targets: []gateway.Target{{URL: up.URL}}}
		c.Routes = append(c.Routes, gateway.Route{Name: "t", Path: "/t/", StripPrefix: "/t", Upstream: "t", Auth: []string{"anonymous"},
			Request:  gateway.Transform{RemoveFields: []string{"role"}},
			Response: gateway.Transform{RemoveFields: []string{"internal_score"}}})
	})
	get := func(path string, headers ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression here
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, tt := range []struct {
		name    string
		headers []string
	}{
		{"plain", nil},
		{"the client accepts gzip", []string{"Accept-Encoding", "gzip, deflate, br"}},
		{"the client asks for a range", []string{"Range", "bytes=5-"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get("/t/doc", tt.headers...)
			if status != http.StatusOK || body != `{"id":9007199254740993,"title":"x"}` {
				t.Fatalf("%d %q: want the whole document without internal_score, the id exact", status, body)
			}
		})
	}
	for _, path := range []string{"/t/brotli", "/t/broken"} {
		if status, body := get(path); status != http.StatusBadGateway || strings.Contains(body, "internal_score") {
			t.Errorf("%s: %d %q, want 502 without the body", path, status, body)
		}
	}

	post := func(contentType, encoding, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", h.srv.URL+"/t/echo", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	if status, body := post("application/json", "", `{"Role":"admin","ROLE":"root","title":"x"}`); status != 200 || strings.Contains(strings.ToLower(body), "role") {
		t.Errorf("a field in another case: %d %s", status, body)
	}
	for _, tt := range []struct {
		name, contentType, encoding, body string
		status                            int
	}{
		{"JSON labelled as text", "text/plain", "", `{"role":"admin"}`, http.StatusUnsupportedMediaType},
		{"a compressed body", "application/json", "gzip", "\x1f\x8b...", http.StatusUnsupportedMediaType},
		{"not JSON", "application/json", "", `{"role":"admin"`, http.StatusBadRequest},
		{"two values", "application/json", "", `{} {"role":"admin"}`, http.StatusBadRequest},
	} {
		if status, body := post(tt.contentType, tt.encoding, tt.body); status != tt.status || strings.Contains(body, "admin") {
			t.Errorf("%s: %d %s, want %d", tt.name, status, body, tt.status)
		}
	}
}

// Headers the gateway sets for the upstream cannot be stripped by a
// client's Connection header, and an Authorization header the gateway did
// not verify does not reach the upstream.
func TestUpstreamHeadersAreTheGateways(t *testing.T) {
	h := newHarness(t)
	_, echo := h.do("GET", "/articles/1", "apikey", goldKey, "Connection", "X-Consumer", "Authorization", "Bearer forged")
	if echo["consumer"] != "gold-app" {
		t.Errorf("upstream saw X-Consumer %q, want gold-app", echo["consumer"])
	}
	if echo["authorization"] != "" {
		t.Errorf("an unverified Authorization reached the upstream: %q", echo["authorization"])
	}
	_, echo = h.do("GET", "/health", "Authorization", "Bearer for-the-upstream")
	if echo["authorization"] != "Bearer for-the-upstream" {
		t.Errorf("an anonymous route's Authorization was dropped: %q", echo["authorization"])
	}
}

// When no target is left to retry on, the client gets the upstream's own
// answer (with its Retry-After), not a made-up 502.
func TestLastAnswerWhenRetriesRunOut(t *testing.T) {
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer busy.Close()
	h := newHarness(t, func(c *gateway.Config) {
		c.Upstreams["busy"] = gateway.Upstream{Targets: []gateway.Target{{URL: busy.URL}}, Suspension: gateway.Suspension{Failures: 100}}
		c.Routes = append(c.Routes, gateway.Route{Name: "busy", Path: "/busy", Upstream: "busy", Retries: 2, Auth: []string{"anonymous"}})
	})
	resp, _ := h.do("GET", "/busy")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("%d Retry-After %q, want the upstream's 503 and 7", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// The RateLimit headers show the limit closest to running out, whichever
// it is.
func TestRateLimitHeadersShowTheTighterLimit(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) {
		c.Tiers = map[string]gateway.Limit{gateway.TierGold: {Requests: 1000, Per: time.Minute}}
		c.Routes[0].Limit = gateway.Limit{Requests: 3, Per: time.Minute}
	})
	resp, _ := h.do("GET", "/articles/1", "apikey", goldKey)
	if resp.Header.Get("RateLimit-Limit") != "3" || resp.Header.Get("RateLimit-Remaining") != "2" {
		t.Fatalf("RateLimit-Limit %q Remaining %q, want the route's 3 and 2", resp.Header.Get("RateLimit-Limit"), resp.Header.Get("RateLimit-Remaining"))
	}
}

// The configuration a gateway returns is a copy down to its last map: a
// caller changing it changes nothing in force.
func TestConfigIsACopy(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) {
		c.Routes[0].Request = gateway.Transform{SetHeaders: map[string]string{"X-A": "1"}, RemoveFields: []string{"f"},
			RenameFields: map[string]string{"a": "b"}, RenameHeaders: map[string]string{"X-B": "X-C"}, RemoveHeaders: []string{"X-D"}}
		c.Routes[0].Response = c.Routes[0].Request
		c.Routes[0].CORS = &gateway.CORS{AllowedOrigins: []string{"https://a.example"}, AllowedMethods: []string{"GET"}}
	})
	before, _ := json.Marshal(h.gw.Config()) // a snapshot that shares nothing
	c := h.gw.Config()
	r := &c.Routes[0]
	r.Request.SetHeaders["X-A"], r.Request.RenameFields["a"], r.Request.RenameHeaders["X-B"] = "2", "z", "X-Z"
	r.Request.RemoveFields[0], r.Request.RemoveHeaders[0] = "g", "X-E"
	r.Response.SetHeaders["X-A"] = "3"
	r.CORS.AllowedOrigins[0], r.CORS.AllowedMethods[0] = "https://evil.example", "DELETE"
	r.Methods[0], r.Auth[0] = "POST", "anonymous"
	if after, _ := json.Marshal(h.gw.Config()); string(after) != string(before) {
		t.Fatalf("changing a returned config changed the gateway's:\nbefore %s\nafter  %s", before, after)
	}
}

// Without key ids, a token signed with any configured key of its kind
// verifies: the second of two secrets, as during a rotation.
func TestJWTKeysWithoutIDs(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) {
		c.JWT.Keys = []gateway.JWTKey{{Secret: "the old secret, still accepted!!"}, {Secret: "a shared secret of enough length!"}}
	})
	resp, _ := h.do("GET", "/articles/1", "Authorization", "Bearer "+h.token(jwt.SigningMethodHS256, "", nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a token signed with the second secret: %d", resp.StatusCode)
	}
}

// A valid token whose subject no consumer has is refused by default, as
// bad credentials are (nothing tells the subject is unknown), and let in
// as "jwt:<subject>" where the configuration says so, counted under the
// bounded consumer label "unknown".
func TestJWTUnknownSubjects(t *testing.T) {
	for _, accept := range []bool{false, true} {
		t.Run(fmt.Sprint("accept_unknown_subjects=", accept), func(t *testing.T) {
			h := newHarness(t, func(c *gateway.Config) { c.JWT.AcceptUnknownSubjects = accept })
			reg := prometheus.NewRegistry()
			m, err := gateway.NewMetrics(reg)
			if err != nil {
				t.Fatal(err)
			}
			g, err := gateway.New(h.gw.Config(), gateway.WithMetrics(m)) // the harness's, measured
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			srv := httptest.NewServer(g)
			defer srv.Close()
			get := func(token string) (*http.Response, []byte) {
				req, _ := http.NewRequest("GET", srv.URL+"/articles/1", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp, body
			}
			before := h.a.hits.Load()
			resp, body := get(h.token(jwt.SigningMethodRS256, "rsa", jwt.MapClaims{"sub": "someone"}))
			if !accept {
				forgedResp, forged := get(h.token(jwt.SigningMethodRS256, "rsa", nil) + "x")
				if resp.StatusCode != http.StatusUnauthorized || string(body) != string(forged) ||
					resp.Header.Get("WWW-Authenticate") != forgedResp.Header.Get("WWW-Authenticate") || h.a.hits.Load() != before {
					t.Fatalf("%d %s, want the answer to a forged token (%s), nothing upstream", resp.StatusCode, body, forged)
				}
				return
			}
			var echo map[string]string
			if err := json.Unmarshal(body, &echo); err != nil || resp.StatusCode != http.StatusOK || echo["consumer"] != "jwt:someone" {
				t.Fatalf("%d %s, want 200 with the consumer jwt:someone", resp.StatusCode, body)
			}
			expect := `
# HELP gateway_requests_total Requests answered, by route, consumer and status.
# TYPE gateway_requests_total counter
gateway_requests_total{consumer="unknown",route="read",status="200"} 1
`
			if err := testutil.GatherAndCompare(reg, strings.NewReader(expect), "gateway_requests_total"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// bcrypt reads 72 bytes of a password: a longer one is refused rather than
// matched by its first 72 bytes (and remembered in every variant).
func TestBasicPasswordsBeyondBcryptsLength(t *testing.T) {
	long := strings.Repeat("p", 72)
	h := newHarness(t, func(c *gateway.Config) {
		c.Consumers = append(c.Consumers, gateway.Consumer{Name: "long", Tier: gateway.TierGold, BasicPasswordHash: hash(t, long)})
	})
	basic := func(pass string) int {
		req, _ := http.NewRequest("GET", h.srv.URL+"/articles/1", nil)
		req.SetBasicAuth("long", pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := basic(long); got != http.StatusOK {
		t.Fatalf("the password: %d", got)
	}
	if got := basic(long + "anything"); got != http.StatusUnauthorized {
		t.Fatalf("the password and more: %d, want 401", got)
	}
}

// An event stream outlives the server's write timeout, which is for
// requests: the gateway lifts it once the upstream answers with a stream.
func TestStreamsOutliveServerTimeouts(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 4 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			http.NewResponseController(w).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	}))
	defer up.Close()
	h := newHarness(t, func(c *gateway.Config) {
		c.Upstreams["events"] = gateway.Upstream{Targets: []gateway.Target{{URL: up.URL}}}
		c.Routes = append(c.Routes, gateway.Route{Name: "events", Path: "/events", Upstream: "events", Auth: []string{"anonymous"}})
	})
	srv := httptest.NewUnstartedServer(h.gw)
	srv.Config.WriteTimeout = 150 * time.Millisecond
	srv.Start()
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || !strings.Contains(string(body), "data: 3") {
		t.Fatalf("the stream after the write timeout: %q %v", body, err)
	}
}

// A failover pool's target is judged by its own pool's suspension policy,
// not by the pool that failed over to it.
func TestFailoverTargetsKeepTheirPolicy(t *testing.T) {
	var standbyHits atomic.Int64
	standby := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		standbyHits.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer standby.Close()
	h := newHarness(t, func(c *gateway.Config) {
		c.Upstreams["standby"] = gateway.Upstream{Targets: []gateway.Target{{URL: standby.URL}},
			Suspension: gateway.Suspension{Failures: 1, Initial: time.Hour}}
		c.Upstreams["primary"] = gateway.Upstream{Targets: []gateway.Target{{URL: "http://127.0.0.1:1"}}, Failover: "standby",
			Suspension: gateway.Suspension{Failures: 100}}
		c.Routes = append(c.Routes, gateway.Route{Name: "fo", Path: "/fo", Upstream: "primary", Retries: 1, Auth: []string{"anonymous"}})
	})
	for range 3 {
		h.do("GET", "/fo")
	}
	if n := standbyHits.Load(); n != 1 {
		t.Fatalf("the standby target got %d requests, want 1: one failure suspends it under its own policy", n)
	}
}

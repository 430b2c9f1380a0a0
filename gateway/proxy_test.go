package gateway_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/articlekit/articlekit/gateway"
)

// A slow upstream answers 504 after the route's timeout; a POST is not
// retried, a GET is.
func TestTimeoutsAndRetries(t *testing.T) {
	var calls atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path == "/slow" {
			time.Sleep(time.Second)
		}
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer slow.Close()
	h := newHarness(t, func(c *gateway.Config) {
		c.Tiers = map[string]gateway.Limit{gateway.TierUnauthenticated: {}}
		c.Upstreams["flaky"] = gateway.Upstream{Targets: []gateway.Target{{URL: slow.URL}, {URL: slow.URL + "/"}},
			Suspension: gateway.Suspension{Failures: 100}}
		c.Routes = append(c.Routes, gateway.Route{Name: "flaky", Path: "/", Upstream: "flaky", Timeout: 100 * time.Millisecond,
			Retries: 1, Auth: []string{"anonymous"}})
	})
	if resp, _ := h.do("GET", "/slow"); resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("slow upstream: %d, want 504", resp.StatusCode)
	}
	calls.Store(0)
	if resp, _ := h.do("GET", "/bad"); resp.StatusCode != http.StatusBadGateway || calls.Load() != 2 {
		t.Fatalf("GET: %d after %d calls, want 502 after 2 (one retry)", resp.StatusCode, calls.Load())
	}
	calls.Store(0)
	if resp, _ := h.do("POST", "/bad"); resp.StatusCode != http.StatusBadGateway || calls.Load() != 1 {
		t.Fatalf("POST: %d after %d calls, want 502 after 1 (no retry)", resp.StatusCode, calls.Load())
	}
}

// A POST with an Idempotency-Key is retried on another target, with its
// body, since the upstream answers it once; without a key, or with a body
// too large to keep, it is not.
func TestIdempotentPOSTRetried(t *testing.T) {
	var calls atomic.Int64
	var bodies sync.Map
	flaky := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		bodies.Store(n, string(body))
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // the first target is going down
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	a, b := httptest.NewServer(flaky), httptest.NewServer(flaky)
	defer a.Close()
	defer b.Close()
	h := newHarness(t, func(c *gateway.Config) {
		c.Tiers = map[string]gateway.Limit{gateway.TierUnauthenticated: {}}
		c.Upstreams["pair"] = gateway.Upstream{Targets: []gateway.Target{{URL: a.URL}, {URL: b.URL}},
			Suspension: gateway.Suspension{Failures: 100}}
		c.Routes = append(c.Routes, gateway.Route{Name: "create", Methods: []string{"POST"}, Path: "/create", Upstream: "pair",
			Retries: 1, Auth: []string{"anonymous"}})
	})
	post := func(key, body string) int {
		t.Helper()
		calls.Store(0)
		bodies.Clear()
		req, _ := http.NewRequest("POST", h.srv.URL+"/create", strings.NewReader(body))
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := post(`"k1"`, `{"title":"retried"}`); status != http.StatusCreated || calls.Load() != 2 {
		t.Fatalf("POST with a key: %d after %d calls, want 201 after 2", status, calls.Load())
	}
	if second, _ := bodies.Load(int64(2)); second != `{"title":"retried"}` {
		t.Fatalf("the retry carried body %q, want the request's", second)
	}
	if status := post("", `{"title":"once"}`); status != http.StatusServiceUnavailable || calls.Load() != 1 {
		t.Fatalf("POST without a key: %d after %d calls, want 503 after 1", status, calls.Load())
	}
	if status := post(`"k2"`, strings.Repeat("x", 1<<20+1)); status != http.StatusServiceUnavailable || calls.Load() != 1 {
		t.Fatalf("POST with a key and a body over 1 MiB: %d after %d calls, want 503 after 1", status, calls.Load())
	}
}

// Routes can be bound to a host.
func TestHostRoutes(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) {
		c.Routes = append(c.Routes, gateway.Route{Name: "api-host", Host: "api.example", Path: "/only-here", Upstream: "articles", Auth: []string{"anonymous"}})
	})
	req, _ := http.NewRequest("GET", h.srv.URL+"/only-here", nil)
	req.Host = "api.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("on its host: %v %v", resp, err)
	}
	resp.Body.Close()
	if resp, _ := h.do("GET", "/only-here"); resp.StatusCode != 404 {
		t.Fatalf("on another host: %d", resp.StatusCode)
	}
}

// A request with both Content-Length and Transfer-Encoding (the classic
// smuggling shape) cannot hide a second request: the chunked framing wins,
// the gateway re-frames what it forwards, and the request after it is
// routed as the gateway's own — here to no route — and never reaches the
// upstream.
func TestSmuggledRequestIsNotSmuggled(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) {
		c.Tiers = map[string]gateway.Limit{gateway.TierUnauthenticated: {}}
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	before := h.a.hits.Load()
	fmt.Fprint(conn, "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"+
		"GET /internal/admin HTTP/1.1\r\nHost: x\r\n\r\n")
	r := bufio.NewReader(conn)
	var codes []int
	for range 2 {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if fmt.Sprint(codes) != "[200 404]" || h.a.hits.Load() != before+1 {
		t.Fatalf("codes %v, upstream hits %d", codes, h.a.hits.Load()-before)
	}
}

// Keys from a JWKS URL are fetched, cached, and refreshed when a token
// names a key id the set did not have (rotation).
func TestJWKSRotation(t *testing.T) {
	key1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var mu sync.Mutex
	current := map[string]*ecdsa.PrivateKey{"k1": key1}
	var fetches atomic.Int64
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		mu.Lock()
		defer mu.Unlock()
		var keys []map[string]string
		for kid, k := range current {
			keys = append(keys, map[string]string{"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
				"x": b64(k.X.Bytes()), "y": b64(k.Y.Bytes())})
		}
		json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	}))
	defer jwks.Close()
	h := newHarness(t, func(c *gateway.Config) { c.JWT = gateway.JWT{JWKSURL: jwks.URL, Audience: "articles"} })
	sign := func(kid string, key *ecdsa.PrivateKey) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"sub": "gold-client", "aud": "articles", "exp": time.Now().Add(time.Hour).Unix()})
		tok.Header["kid"] = kid
		s, _ := tok.SignedString(key)
		return s
	}
	for range 3 {
		if resp, _ := h.do("GET", "/articles/1", "Authorization", "Bearer "+sign("k1", key1)); resp.StatusCode != 200 {
			t.Fatalf("k1: %d", resp.StatusCode)
		}
	}
	cached := fetches.Load()
	mu.Lock()
	current = map[string]*ecdsa.PrivateKey{"k1": key1, "k2": key2}
	mu.Unlock()
	if resp, _ := h.do("GET", "/articles/1", "Authorization", "Bearer "+sign("k2", key2)); resp.StatusCode != 200 {
		t.Fatalf("after rotation: %d", resp.StatusCode)
	}
	if fetches.Load() <= cached {
		t.Fatal("the new key id did not refresh the set")
	}
	if resp, _ := h.do("GET", "/articles/1", "Authorization", "Bearer "+sign("k2", key1)); resp.StatusCode != 401 {
		t.Fatalf("a token signed with the wrong key under k2: %d", resp.StatusCode)
	}
}

// b64 encodes a P-256 coordinate for a JWK: 32 bytes, base64url.
func b64(b []byte) string {
	padded := make([]byte, 32)
	copy(padded[32-len(b):], b)
	return base64.RawURLEncoding.EncodeToString(padded)
}

// Certificate files configured are the ones served.
func TestTLSFromFiles(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"gateway.test"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "gw.crt"), filepath.Join(dir, "gw.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	h := newHarness(t, func(c *gateway.Config) {
		c.TLS = gateway.TLS{Cert: certFile, Key: keyFile}
		c.Listen = gateway.Listen{HTTP: "-", HTTPS: "127.0.0.1:0", Admin: "-"}
	})
	servers, err := gateway.NewServers(h.gw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := servers.Start(); err != nil {
		t.Fatal(err)
	}
	defer servers.Stop(t.Context())
	pool := x509.NewCertPool()
	cert, _ := x509.ParseCertificate(der)
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + servers.Addrs()[0].String() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS.PeerCertificates[0].SerialNumber.Int64() != 42 {
		t.Fatalf("%d, serial %v", resp.StatusCode, resp.TLS.PeerCertificates[0].SerialNumber)
	}
}

// Streamed responses reach the client as the upstream flushes them, and
// WebSocket upgrades (which GraphQL subscriptions use) are switched
// through to the upstream on a route that allows them; the route's
// timeout does not cut either.
func TestStreamsAndUpgradesPassThrough(t *testing.T) {
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stream":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "data: first\n\n")
			http.NewResponseController(w).Flush()
			<-release                          // the client must have the first event before the stream goes on
			time.Sleep(300 * time.Millisecond) // beyond the route's timeout
			fmt.Fprint(w, "data: second\n\n")
		case "/upgrade":
			if r.Header.Get("Upgrade") != "websocket" {
				http.Error(w, "upgrade expected", http.StatusBadRequest)
				return
			}
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			fmt.Fprint(brw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
			brw.Flush()
			line, _ := brw.ReadString('\n')
			fmt.Fprint(brw, "echo: "+line)
			brw.Flush()
		}
	}))
	defer upstream.Close()
	h := newHarness(t, func(c *gateway.Config) {
		c.Tiers = map[string]gateway.Limit{gateway.TierUnauthenticated: {}}
		c.Upstreams["streams"] = gateway.Upstream{Targets: []gateway.Target{{URL: upstream.URL}}}
		c.Routes = append(c.Routes,
			gateway.Route{Name: "stream", Path: "/stream", Upstream: "streams", Auth: []string{"anonymous"}, Timeout: 100 * time.Millisecond},
			gateway.Route{Name: "upgrade", Path: "/upgrade", Upstream: "streams", Auth: []string{"anonymous"}, Timeout: 100 * time.Millisecond,
				WebSocket: true})
	})

	resp, err := http.Get(h.srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewReader(resp.Body)
	if line, err := events.ReadString('\n'); err != nil || line != "data: first\n" {
		t.Fatalf("first event before the stream ends: %q %v", line, err)
	}
	close(release)
	rest, _ := events.ReadString(0)
	if !strings.Contains(rest, "data: second") {
		t.Fatalf("rest of the stream: %q", rest)
	}

	conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(conn, "GET /upgrade HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	br := bufio.NewReader(conn)
	switched, err := http.ReadResponse(br, nil)
	if err != nil || switched.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", switched, err)
	}
	time.Sleep(300 * time.Millisecond) // beyond the route's timeout
	fmt.Fprint(conn, "hello\n")
	if line, err := br.ReadString('\n'); err != nil || line != "echo: hello\n" {
		t.Fatalf("after the upgrade: %q %v", line, err)
	}
}

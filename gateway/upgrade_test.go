package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/articlekit/articlekit/gateway"
)

// h2cUpstream switches to HTTP/2 on the HTTP/1.1 upgrade (RFC 7540 3.2)
// as leniently as many servers do: Upgrade: h2c with an HTTP2-Settings
// header, whatever Connection names; then Go's own server speaks
// unencrypted HTTP/2 on the connection. (x/net's deprecated h2c handler
// also wants Connection to name HTTP2-Settings, which a Go ReverseProxy
// never forwards, so behind the gateway it does not switch and would not
// show the hole.) It records the headers of what reached it over
// HTTP/1.1 and the paths asked over HTTP/2.
type h2cUpstream struct {
	*httptest.Server
	mu      sync.Mutex
	headers []http.Header
	h2Paths []string
}

func newH2CUpstream(t *testing.T) *h2cUpstream {
	u := &h2cUpstream{}
	tunnels := &connListener{conns: make(chan net.Conn), closed: make(chan struct{})}
	h2 := &http.Server{Protocols: new(http.Protocols), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.h2Paths = append(u.h2Paths, r.URL.Path)
		u.mu.Unlock()
		fmt.Fprintf(w, "%s over %s", r.URL.Path, r.Proto)
	})}
	h2.Protocols.SetUnencryptedHTTP2(true)
	go func() { _ = h2.Serve(tunnels) }()
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.headers = append(u.headers, r.Header.Clone())
		u.mu.Unlock()
		if !containsToken(r.Header.Get("Upgrade"), "h2c") || r.Header.Get("HTTP2-Settings") == "" {
			fmt.Fprintf(w, "%s over %s", r.URL.Path, r.Proto)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
		_ = brw.Flush()
		tunnels.conns <- &bufferedConn{Conn: conn, r: brw.Reader}
	}))
	t.Cleanup(func() {
		u.Close()
		_ = h2.Close()
	})
	return u
}

// containsToken tells whether the comma-separated list v names token.
func containsToken(v, token string) bool {
	for t := range strings.SplitSeq(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// last is the headers of the last HTTP/1.1 request that reached u.
func (u *h2cUpstream) last(t *testing.T) http.Header {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.headers) == 0 {
		t.Fatal("nothing reached the upstream")
	}
	return u.headers[len(u.headers)-1]
}

// connListener hands the connections sent on conns to a server.
type connListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *connListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// bufferedConn is a connection whose first bytes were read into r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// exchange sends a raw HTTP/1.1 request to srv and reads the answer's
// head, returning the connection for what may follow.
func exchange(t *testing.T, srv *httptest.Server, request string) (*http.Response, net.Conn) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, strings.ReplaceAll(request, "\n", "\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp, &bufferedConn{Conn: conn, r: br}
}

// h2cAttempt is h2c request smuggling's first request: an upgrade to h2c
// (or what the request's Upgrade offers) with its settings, HTTP2-Settings
// not named in Connection so that a proxy dropping what Connection names
// keeps it.
const h2cAttempt = "GET %s HTTP/1.1\nHost: gw\nConnection: Upgrade\nUpgrade: %s\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\n\n"

// An h2c upgrade never reaches an upstream as one, on any route: were it
// switched, the client would speak HTTP/2 to the upstream itself over the
// tunnel, past the gateway's routes and authentication, as the attack run
// did. The request is served as the HTTP/1.1 request it also is; on a
// WebSocket route, only "websocket" of what Upgrade offers goes on.
func TestH2CUpgradeIsNotForwarded(t *testing.T) {
	up := newH2CUpstream(t)
	h := newHarness(t, func(c *gateway.Config) {
		c.Upstreams["h2c"] = gateway.Upstream{Targets: []gateway.Target{{URL: up.URL}}}
		c.Routes = append(c.Routes,
			gateway.Route{Name: "plain", Path: "/plain", Upstream: "h2c", Auth: []string{"anonymous"}},
			gateway.Route{Name: "ws", Path: "/ws", Upstream: "h2c", Auth: []string{"anonymous"}, WebSocket: true})
	})
	for _, tt := range []struct {
		path, offer, upgrade string // upgrade: what the upstream may see
	}{
		{"/plain", "h2c", ""},
		{"/plain", "H2C", ""},
		{"/plain", "h2c, foo/1", ""},
		{"/ws", "h2c", ""},
		{"/ws", "h2c, websocket", "websocket"},
		{"/ws", "WebSocket,h2c", "websocket"},
	} {
		t.Run(strings.TrimPrefix(tt.path, "/")+" "+tt.offer, func(t *testing.T) {
			resp, conn := exchange(t, h.srv, fmt.Sprintf(h2cAttempt, tt.path, tt.offer))
			if resp.StatusCode == http.StatusSwitchingProtocols {
				// What the attacker does next: HTTP/2 over the tunnel,
				// to a path the gateway has no route for.
				tr := &http.Transport{Protocols: new(http.Protocols),
					DialContext: func(context.Context, string, string) (net.Conn, error) { return conn, nil }}
				tr.Protocols.SetUnencryptedHTTP2(true)
				defer tr.CloseIdleConnections()
				smuggled, err := (&http.Client{Transport: tr}).Get("http://gw/internal/admin")
				if err == nil {
					body, _ := io.ReadAll(smuggled.Body)
					smuggled.Body.Close()
					t.Fatalf("the upgrade was switched and a smuggled HTTP/2 request reached the upstream: %d %q", smuggled.StatusCode, body)
				}
				t.Fatalf("the upgrade was switched through to the upstream (HTTP/2 over it: %v)", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != tt.path+" over HTTP/1.1" {
				t.Fatalf("%d %q, want the upstream's HTTP/1.1 answer", resp.StatusCode, body)
			}
			seen := up.last(t)
			if seen.Get("Upgrade") != tt.upgrade || seen.Get("HTTP2-Settings") != "" {
				t.Fatalf("the upstream saw Upgrade %q (want %q), HTTP2-Settings %q", seen.Get("Upgrade"), tt.upgrade, seen.Get("HTTP2-Settings"))
			}
			up.mu.Lock()
			defer up.mu.Unlock()
			if len(up.h2Paths) > 0 {
				t.Fatalf("HTTP/2 requests reached the upstream: %v", up.h2Paths)
			}
		})
	}
}

// WebSocket works end to end on a route that allows it; a handshake to
// another route is refused with a problem, before it reaches the
// upstream.
func TestWebSocketOnlyWhereAllowed(t *testing.T) {
	var hits atomic.Int64
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, append([]byte("echo: "), msg...)); err != nil {
				return
			}
		}
	}))
	defer echo.Close()
	h := newHarness(t, func(c *gateway.Config) {
		c.Upstreams["echo"] = gateway.Upstream{Targets: []gateway.Target{{URL: echo.URL}}}
		c.Routes = append(c.Routes,
			gateway.Route{Name: "plain", Path: "/plain", Upstream: "echo", Auth: []string{"anonymous"}},
			gateway.Route{Name: "ws", Methods: []string{"GET"}, Path: "/ws", Upstream: "echo", Auth: []string{"anonymous"}, WebSocket: true})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	ws := "ws" + strings.TrimPrefix(h.srv.URL, "http")
	c, _, err := websocket.Dial(ctx, ws+"/ws", nil)
	if err != nil {
		t.Fatalf("a WebSocket through the route that allows it: %v", err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.Read(ctx); err != nil || string(msg) != "echo: hello" {
		t.Fatalf("%q %v", msg, err)
	}
	c.Close(websocket.StatusNormalClosure, "")

	before := hits.Load()
	_, resp, err := websocket.Dial(ctx, ws+"/plain", nil)
	if err == nil || resp == nil {
		t.Fatalf("a WebSocket through a route that does not allow it: %v", err)
	}
	var p problemDoc
	_ = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || p.Type != gateway.TypeBadRequest || p.Detail != "this route does not allow WebSocket upgrades" {
		t.Fatalf("%d %+v, want 400 bad-request", resp.StatusCode, p)
	}
	if hits.Load() != before {
		t.Fatal("the refused handshake reached the upstream")
	}
}

// TE is hop-by-hop: only "trailers" goes on. HTTP2-Settings belongs to an
// upgrade the gateway never forwards: it is always dropped.
func TestHopByHopRequestHeaders(t *testing.T) {
	up := newH2CUpstream(t)
	h := newHarness(t, func(c *gateway.Config) {
		c.Upstreams["up"] = gateway.Upstream{Targets: []gateway.Target{{URL: up.URL}}}
		c.Routes = append(c.Routes, gateway.Route{Name: "plain", Path: "/plain", Upstream: "up", Auth: []string{"anonymous"}})
	})
	for _, tt := range []struct {
		name, headers, te string
	}{
		{"TE gzip", "TE: gzip\n", ""},
		{"TE trailers", "TE: trailers\n", "trailers"},
		{"TE gzip and trailers", "TE: gzip, trailers\nTE: deflate\n", "trailers"},
		{"TE named in Connection", "Connection: TE\nTE: trailers\n", "trailers"},
		{"HTTP2-Settings alone", "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := exchange(t, h.srv, "GET /plain HTTP/1.1\nHost: gw\n"+tt.headers+"\n")
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			seen := up.last(t)
			if got := strings.Join(seen.Values("Te"), ", "); got != tt.te {
				t.Errorf("the upstream saw TE %q, want %q", got, tt.te)
			}
			if got := seen.Get("HTTP2-Settings"); got != "" {
				t.Errorf("the upstream saw HTTP2-Settings %q", got)
			}
		})
	}
}

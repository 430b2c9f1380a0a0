package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/gateway"
)

// wsUpstream is a graphql-transport-ws server that records every message
// it gets: it acknowledges connection_init, answers a subscribe with an
// empty result and complete, a ping with a pong.
type wsUpstream struct {
	*httptest.Server
	mu   sync.Mutex
	got  []map[string]any
	hits int // handshakes
}

func newWSUpstream(t testing.TB) *wsUpstream {
	u := &wsUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.hits++
		u.mu.Unlock()
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			_, data, err := c.Read(r.Context())
			if err != nil {
				return
			}
			var msg map[string]any
			_ = json.Unmarshal(data, &msg)
			u.mu.Lock()
			u.got = append(u.got, msg)
			u.mu.Unlock()
			var answers []string
			switch msg["type"] {
			case "connection_init":
				answers = []string{`{"type":"connection_ack"}`}
			case "subscribe":
				answers = []string{`{"id":"` + msg["id"].(string) + `","type":"next","payload":{"data":{}}}`,
					`{"id":"` + msg["id"].(string) + `","type":"complete"}`}
			case "ping":
				answers = []string{`{"type":"pong"}`}
			}
			for _, a := range answers {
				if c.Write(r.Context(), websocket.MessageText, []byte(a)) != nil {
					return
				}
			}
		}
	}))
	t.Cleanup(u.Close)
	return u
}

// messages is what u got, as JSON.
func (u *wsUpstream) messages() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	b, _ := json.Marshal(u.got)
	return string(b)
}

// wsClient is a graphql-transport-ws client of the gateway.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

// dial opens a WebSocket to the gateway's path, with headers (name,
// value pairs), speaking graphql-transport-ws.
func (s *gqlStack) dial(t *testing.T, path string, headers ...string) *wsClient {
	t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	conn, resp, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(s.srv.URL, "http")+path,
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", path, err, resp)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return &wsClient{t: t, conn: conn}
}

func (c *wsClient) send(msg string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		c.t.Fatal(err)
	}
}

// next is the next message, or the close that ends the socket (as
// {"close": code, "reason": reason}).
func (c *wsClient) next() map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, data, err := c.conn.Read(ctx)
	if err != nil {
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("read: %v", err)
		}
		return map[string]any{"close": float64(ce.Code), "reason": ce.Reason}
	}
	var msg map[string]any
	if err := json.Unmarshal(data, &msg); err != nil {
		c.t.Fatalf("%s: %v", data, err)
	}
	return msg
}

// init sends connection_init with payload and expects connection_ack.
func (c *wsClient) init(payload string) {
	c.t.Helper()
	c.send(`{"type":"connection_init","payload":` + payload + `}`)
	if msg := c.next(); msg["type"] != "connection_ack" {
		c.t.Fatalf("want connection_ack, got %v", msg)
	}
}

// subscribe sends a subscribe of query under id.
func (c *wsClient) subscribe(id, query string) {
	c.t.Helper()
	payload, _ := json.Marshal(map[string]string{"query": query})
	c.send(`{"id":"` + id + `","type":"subscribe","payload":` + string(payload) + `}`)
}

// errorCode is the code of msg's first error, when msg is an error
// message of id.
func errorCode(msg map[string]any, id string) string {
	if msg["type"] != "error" || msg["id"] != id {
		return ""
	}
	errs, _ := msg["payload"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	return code
}

// changeSubscribers is how many subscribers svc's change feed has.
func changeSubscribers(t *testing.T, svc *articles.Service) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(svc.Collector())
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "articles_change_subscribers" {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no articles_change_subscribers")
	return 0
}

// Through the GraphQL API: a subscription works anonymously, a mutation on
// the socket needs the key — from the handshake's headers or
// connection_init's payload — and a refused one is the operation's error,
// the socket going on.
func TestGraphQLOverWebSocket(t *testing.T) {
	s := newGQLStack(t)
	c := s.dial(t, "/graphql")
	c.init(`{}`)
	c.subscribe("changes", `subscription { articleChanged { type id } }`)
	c.subscribe("m", `mutation { `+createArticle+` }`)
	if msg := c.next(); errorCode(msg, "m") != "UNAUTHENTICATED" {
		t.Fatalf("an anonymous mutation on the socket: %v", msg)
	}
	c.subscribe("f", `mutation { ...F } fragment F on Mutation { `+createArticle+` }`)
	if msg := c.next(); errorCode(msg, "f") != "UNAUTHENTICATED" {
		t.Fatalf("an anonymous mutation in a fragment: %v", msg)
	}
	if n := count(t, s.svc); n != 0 {
		t.Fatalf("%d articles after refused mutations", n)
	}
	// A change committed before the subscription is live would not reach it.
	waitFor(t, func() bool { return changeSubscribers(t, s.svc) == 1 })
	if _, err := s.svc.Create(context.Background(), articles.Draft{Title: "seen"}); err != nil {
		t.Fatal(err)
	}
	if msg := c.next(); msg["type"] != "next" || msg["id"] != "changes" {
		t.Fatalf("no change reached the subscription: %v", msg)
	}
	for _, tt := range []struct {
		name    string
		headers []string
		payload string
	}{
		{"a key in connection_init", nil, `{"apikey": "` + writerKey + `"}`},
		{"a key in another case", nil, `{"X-API-KEY": "` + writerKey + `"}`},
		{"a token in connection_init", nil, `{"Authorization": "` + s.token("") + `"}`},
		{"a key in the handshake", []string{"X-API-Key", writerKey}, `{}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := count(t, s.svc)
			c := s.dial(t, "/graphql", tt.headers...)
			c.init(tt.payload)
			c.subscribe("m", `mutation { `+createArticle+` }`)
			if msg := c.next(); msg["type"] != "next" || msg["id"] != "m" {
				t.Fatalf("a keyed mutation on the socket: %v", msg)
			}
			if count(t, s.svc) != before+1 {
				t.Fatal("the mutation did not run")
			}
		})
	}
}

// What reaches the upstream of a socket is what the gateway classified,
// credentials removed; a refused message never does; the protocol's
// mistakes close the socket with its codes.
func TestGraphQLWebSocketMessages(t *testing.T) {
	up := newWSUpstream(t)
	s := newGQLStack(t, func(c *gateway.Config) {
		c.Upstreams["ws"] = gateway.Upstream{Targets: []gateway.Target{{URL: up.URL}}}
		ops := graphqlOperations()
		ops.Subscription.Limit = gateway.Limit{Requests: 1, Per: time.Hour}
		c.Routes = append(c.Routes, gateway.Route{Name: "ws", Path: "/ws", Upstream: "ws", Auth: []string{gateway.AuthAnonymous},
			WebSocket: true, GraphQL: &gateway.GraphQL{MaxDepth: 2, Operations: ops}})
	})
	t.Run("what the upstream gets", func(t *testing.T) {
		c := s.dial(t, "/ws")
		c.init(`{"apikey": "` + writerKey + `", "locale": "en"}`)
		c.subscribe("1", `mutation { createArticle }`)
		c.next()
		c.next()
		c.send(`{"type":"ping","type":"subscribe","id":"2","payload":{"query":"mutation { deleteArticle }","query":"{ a }"}}`)
		c.next()
		c.next()
		c.send(`{"type":"complete","id":"1"}`)
		c.send(`{"type":"ping"}`)
		if msg := c.next(); msg["type"] != "pong" {
			t.Fatalf("%v", msg)
		}
		want := `[{"payload":{"locale":"en"},"type":"connection_init"},` +
			`{"id":"1","payload":{"query":"mutation { createArticle }"},"type":"subscribe"},` +
			`{"id":"2","payload":{"query":"{ a }"},"type":"subscribe"},` +
			`{"id":"1","type":"complete"},{"type":"ping"}]`
		if got := up.messages(); got != want {
			t.Fatalf("the upstream got\n%s\nwant\n%s", got, want)
		}
	})
	for _, tt := range []struct {
		name, init string // init "" sends none
		send       string
		code       string // the subscribe's error; "" when the socket closes
		close      int
		reason     string
	}{
		{"an anonymous mutation", `{}`, `{"id":"m","type":"subscribe","payload":{"query":"mutation { createArticle }"}}`,
			"UNAUTHENTICATED", 0, ""},
		{"a mutation behind an alias", `{}`, `{"id":"m","type":"subscribe","payload":{"query":"mutation { a: createArticle }"}}`,
			"UNAUTHENTICATED", 0, ""},
		{"a query spreading a fragment on Mutation", `{}`,
			`{"id":"m","type":"subscribe","payload":{"query":"{ ...F } fragment F on Mutation { createArticle }"}}`, "UNAUTHENTICATED", 0, ""},
		{"the mutation of two operations", `{}`,
			`{"id":"m","type":"subscribe","payload":{"query":"query Q { a } mutation M { b }","operationName":"M"}}`, "UNAUTHENTICATED", 0, ""},
		{"a repeated type", `{}`, `{"type":"ping","type":"subscribe","id":"m","payload":{"query":"mutation { deleteArticle }"}}`,
			"UNAUTHENTICATED", 0, ""},
		{"deleteArticle with a key", `{"apikey": "` + writerKey + `"}`,
			`{"id":"m","type":"subscribe","payload":{"query":"mutation { deleteArticle }"}}`, "UNAUTHENTICATED", 0, ""},
		{"a document that does not parse", `{}`, `{"id":"m","type":"subscribe","payload":{"query":"subscription {"}}`,
			"GRAPHQL_PARSE_FAILED", 0, ""},
		{"too deep", `{}`, `{"id":"m","type":"subscribe","payload":{"query":"subscription { a { b { c } } }"}}`,
			"DEPTH_LIMIT_EXCEEDED", 0, ""},
		{"a key that is not valid", `{"apikey": "unknown-key-0123456789ab"}`, "", "", 4403, "Forbidden: the API key is not valid"},
		{"a token that is not valid", `{"authorization": "Bearer x.y.z"}`, "", "", 4403, "Forbidden: the bearer token is not valid"},
		{"a subscribe before connection_init", "", `{"id":"m","type":"subscribe","payload":{"query":"{ a }"}}`, "", 4401, "Unauthorized"},
		{"a second connection_init", `{}`, `{"type":"connection_init"}`, "", 4429, "Too many initialisation requests"},
		{"not JSON", `{}`, `{"type":`, "", 4400, "Invalid message received"},
		{"an unknown type", `{}`, `{"type":"start","id":"m","payload":{"query":"mutation { createArticle }"}}`, "", 4400,
			"Invalid message received"},
		{"a subscribe without a query", `{}`, `{"id":"m","type":"subscribe","payload":{}}`, "", 4400, "Invalid message received"},
		{"a batch in a subscribe", `{}`, `{"id":"m","type":"subscribe","payload":[{"query":"{ a }"}]}`, "", 4400, "Invalid message received"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := s.dial(t, "/ws")
			before := up.messages()
			if tt.init != "" {
				c.send(`{"type":"connection_init","payload":` + tt.init + `}`)
				if tt.close == 4403 {
					if msg := c.next(); msg["close"] != float64(tt.close) || msg["reason"] != tt.reason {
						t.Fatalf("%v, want close %d %q", msg, tt.close, tt.reason)
					}
					if up.messages() != before {
						t.Fatal("the refused connection_init reached the upstream")
					}
					return
				}
				if msg := c.next(); msg["type"] != "connection_ack" {
					t.Fatalf("%v", msg)
				}
				before = up.messages()
			}
			c.send(tt.send)
			msg := c.next()
			if tt.code != "" {
				if errorCode(msg, "m") != tt.code {
					t.Fatalf("%v, want an error %s", msg, tt.code)
				}
				c.send(`{"type":"ping"}`) // the socket goes on
				if msg := c.next(); msg["type"] != "pong" {
					t.Fatalf("after the refusal: %v", msg)
				}
				// The ping reached it, nothing else.
				if got := up.messages(); got != strings.TrimSuffix(before, "]")+`,{"type":"ping"}]` {
					t.Fatalf("the upstream got %s", got)
				}
				return
			}
			if msg["close"] != float64(tt.close) || msg["reason"] != tt.reason {
				t.Fatalf("%v, want close %d %q", msg, tt.close, tt.reason)
			}
			if up.messages() != before {
				t.Fatalf("the upstream got %s", up.messages())
			}
		})
	}
	t.Run("a subscription's limit", func(t *testing.T) {
		c := s.dial(t, "/ws")
		c.init(`{}`)
		c.subscribe("1", `subscription { a }`)
		if msg := c.next(); msg["type"] != "next" {
			t.Fatalf("%v", msg)
		}
		c.next()
		c.subscribe("2", `subscription { a }`)
		if msg := c.next(); errorCode(msg, "2") != "RATE_LIMITED" {
			t.Fatalf("%v", msg)
		}
	})
	t.Run("another subprotocol", func(t *testing.T) {
		conn, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(s.srv.URL, "http")+"/ws",
			&websocket.DialOptions{Subprotocols: []string{"graphql-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		_, _, err = conn.Read(context.Background())
		if websocket.CloseStatus(err) != 4406 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("the upstream down", func(t *testing.T) {
		s := newGQLStack(t, func(c *gateway.Config) {
			c.Upstreams["api"] = gateway.Upstream{Targets: []gateway.Target{{URL: "http://127.0.0.1:1"}}}
		})
		_, resp, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(s.srv.URL, "http")+"/graphql",
			&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusBadGateway || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%v %v", resp, err)
		}
	})
}

package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/articlekit/articlekit/internal/httpserver"
)

// graphqlTransportWS is the WebSocket subprotocol of GraphQL over
// WebSocket (github.com/enisdenjo/graphql-ws, PROTOCOL.md), the one a
// GraphQL route's WebSockets speak.
const graphqlTransportWS = "graphql-transport-ws"

// Close codes of graphql-transport-ws.
const (
	closeBadRequest   websocket.StatusCode = 4400 // a message of no known type or form
	closeUnauthorized websocket.StatusCode = 4401 // an operation before connection_init
	closeForbidden    websocket.StatusCode = 4403 // connection_init refused
	closeSubprotocol  websocket.StatusCode = 4406 // not graphql-transport-ws
	closeInitTimeout  websocket.StatusCode = 4408 // no connection_init in time
	closeTooManyInits websocket.StatusCode = 4429 // a second connection_init
)

const (
	// socketInitTimeout is how long a client has to send connection_init,
	// as the GraphQL API waits.
	socketInitTimeout = 10 * time.Second
	// socketWriteTimeout bounds one message's writing to either end.
	socketWriteTimeout = 30 * time.Second
	// maxUpstreamMessage bounds the messages read from the upstream,
	// larger than the clients' (maxGraphQLBody): results can be.
	maxUpstreamMessage = 32 << 20
)

// socketMessage is a graphql-transport-ws message.
type socketMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// socket is one client's WebSocket on a GraphQL route, proxied message by
// message: the gateway reads what the client sends — connection_init
// authenticates the connection, each subscribe is classified and
// authenticated as a request of its own — and passes on what the upstream
// sends.
type socket struct {
	g        *Gateway
	t        *table
	rt       *Route
	gq       *graphqlRoute
	r        *http.Request // the handshake
	client   *websocket.Conn
	upstream *websocket.Conn
	creds    http.Header // the connection's credentials, once initialised
	inited   atomic.Bool // connection_init came
}

// serveSocket serves r, a WebSocket handshake admitted to a GraphQL route:
// it opens the upstream's WebSocket first (through the route's pool, with
// the headers the proxy would pass), so that an upstream that refuses it
// or is down is answered in HTTP, then accepts the client's and proxies
// messages until either end closes. A client that does not speak
// graphql-transport-ws is closed with 4406.
func (g *Gateway) serveSocket(w http.ResponseWriter, r *http.Request, t *table, rt *Route, gq *graphqlRoute) {
	if !hasToken(r.Header["Sec-Websocket-Protocol"], graphqlTransportWS) {
		if c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true}); err == nil {
			_ = c.Close(closeSubprotocol, "Subprotocol not acceptable")
		}
		return
	}
	up, err := g.dialSocket(r, t, rt)
	if err != nil {
		var refused *socketRefused
		if errors.As(err, &refused) {
			refused.relay(w)
			return
		}
		writeError(w, r, g.log, &upstreamError{err: err, clientGone: r.Context().Err() != nil})
		return
	}
	defer up.CloseNow()
	// A socket lasts as long as both ends keep it: the server's timeouts
	// are for requests.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	// The upstream checked the Origin, which it got.
	client, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{graphqlTransportWS}, InsecureSkipVerify: true})
	if err != nil {
		return // Accept answered
	}
	defer client.CloseNow()
	client.SetReadLimit(maxGraphQLBody)
	up.SetReadLimit(maxUpstreamMessage)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		// http.Server.Shutdown does not wait for hijacked connections.
		select {
		case <-httpserver.Stopping(ctx):
			_ = client.Close(websocket.StatusGoingAway, "the gateway is stopping")
			_ = up.Close(websocket.StatusGoingAway, "the gateway is stopping")
		case <-ctx.Done():
		}
	}()
	s := &socket{g: g, t: t, rt: rt, gq: gq, r: r, client: client, upstream: up}
	// A read's context ending would close the socket without a word: the
	// timeout closes it with the protocol's code instead.
	timeout := time.AfterFunc(socketInitTimeout, func() {
		if !s.inited.Load() {
			s.end(closeInitTimeout, "Connection initialisation timeout")
		}
	})
	defer timeout.Stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.fromUpstream(ctx)
	}()
	s.fromClient(ctx)
	<-done
}

// dialSocket opens the upstream's WebSocket for the handshake r, through
// the route's retrier: its targets, retries, timeout and suspension, as
// for any request. The upstream gets r's end-to-end headers as the proxy
// would rewrite them; a *socketRefused is an answer other than 101.
func (g *Gateway) dialSocket(r *http.Request, t *table, rt *Route) (*websocket.Conn, error) {
	out := r.Clone(r.Context())
	for _, v := range r.Header.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			out.Header.Del(strings.TrimSpace(name))
		}
	}
	for _, name := range []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Sec-Websocket-Key", "Sec-Websocket-Version",
		"Sec-Websocket-Extensions", "Sec-Websocket-Protocol", "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
		out.Header.Del(name)
	}
	rewrite(&httputil.ProxyRequest{In: r, Out: out}, rt)
	u := *out.URL
	u.Scheme, u.Host = "http", "upstream" // the retrier puts the target's
	client := &http.Client{Transport: &retrier{g: g, pool: t.pools[rt.Upstream], route: rt}}
	conn, resp, err := websocket.Dial(r.Context(), u.String(), &websocket.DialOptions{
		HTTPClient: client, HTTPHeader: out.Header, Subprotocols: []string{graphqlTransportWS}})
	switch {
	case err == nil && conn.Subprotocol() != graphqlTransportWS:
		conn.CloseNow()
		return nil, errors.New("the upstream does not speak " + graphqlTransportWS)
	case err != nil && resp != nil && resp.StatusCode != http.StatusSwitchingProtocols:
		return nil, &socketRefused{resp: resp}
	}
	return conn, err
}

// socketRefused is the upstream's answer other than 101 to a handshake.
type socketRefused struct{ resp *http.Response }

func (e *socketRefused) Error() string { return "the upstream refused the WebSocket: " + e.resp.Status }

// relay passes the upstream's refusal on: its status, the headers that say
// why, and as much of its body as the dial kept.
func (e *socketRefused) relay(w http.ResponseWriter) {
	for _, name := range []string{"Content-Type", "Www-Authenticate", "Retry-After"} {
		if v := e.resp.Header.Values(name); len(v) > 0 {
			w.Header()[name] = v
		}
	}
	w.WriteHeader(e.resp.StatusCode)
	if e.resp.Body != nil {
		_, _ = io.Copy(w, e.resp.Body)
	}
}

// fromUpstream passes the upstream's messages to the client until the
// upstream closes, then closes the client as it did.
func (s *socket) fromUpstream(ctx context.Context) {
	for {
		typ, data, err := s.upstream.Read(ctx)
		if err != nil {
			code, reason := closeOf(err, "the upstream failed")
			closeWith(s.client, code, reason)
			return
		}
		if s.write(ctx, s.client, typ, data) != nil {
			s.upstream.CloseNow()
			return
		}
	}
}

// fromClient reads the client's messages until it closes, then closes
// the upstream as it did.
func (s *socket) fromClient(ctx context.Context) {
	for {
		typ, data, err := s.client.Read(ctx)
		switch {
		case err != nil:
			code, reason := closeOf(err, "the client went away")
			closeWith(s.upstream, code, reason)
			return
		case typ != websocket.MessageText:
			s.end(closeBadRequest, "Invalid message received")
			return
		}
		if !s.handle(ctx, data) {
			return
		}
	}
}

// handle acts on one message of the client's; false when the socket is
// over.
func (s *socket) handle(ctx context.Context, data []byte) bool {
	var msg socketMessage
	if err := json.Unmarshal(data, &msg); err != nil || msg.Type == "" {
		s.end(closeBadRequest, "Invalid message received")
		return false
	}
	switch msg.Type {
	case "connection_init":
		if s.inited.Swap(true) {
			s.end(closeTooManyInits, "Too many initialisation requests")
			return false
		}
		return s.init(ctx, &msg)
	case "subscribe":
		if s.creds == nil {
			s.end(closeUnauthorized, "Unauthorized")
			return false
		}
		return s.subscribe(ctx, &msg)
	case "complete", "ping", "pong":
		if msg.Type == "complete" && msg.ID == "" {
			s.end(closeBadRequest, "Invalid message received")
			return false
		}
		return s.forward(ctx, &msg)
	}
	s.end(closeBadRequest, "Invalid message received")
	return false
}

// credentialKeys are the keys of a connection_init payload that carry
// credentials, in lower case, and the header each stands for.
var credentialKeys = map[string]string{"apikey": "Apikey", "x-api-key": "X-Api-Key", "authorization": "Authorization"}

// init authenticates the connection: the credentials of connection_init's
// payload (apikey, X-API-Key, Authorization; any case) when it carries
// some, else those of the handshake's headers. Credentials that are not
// valid close the socket with 4403; none make an anonymous connection.
// The upstream gets the payload without them, but a verified token.
func (s *socket) init(ctx context.Context, msg *socketMessage) bool {
	var payload map[string]json.RawMessage
	if len(msg.Payload) > 0 && json.Unmarshal(msg.Payload, &payload) != nil {
		s.end(closeBadRequest, "Invalid message received")
		return false
	}
	creds := http.Header{}
	for key, raw := range payload {
		if name, ok := credentialKeys[strings.ToLower(key)]; ok {
			var v string
			_ = json.Unmarshal(raw, &v)
			creds[name] = []string{v}
			delete(payload, key)
		}
	}
	fromPayload := len(creds) > 0
	if !fromPayload {
		for _, name := range append([]string{"Authorization"}, apiKeyHeaders...) {
			if v := s.r.Header.Values(name); len(v) > 0 {
				creds[name] = v
			}
		}
	}
	id, err := s.t.auth.identify(creds)
	if err != nil {
		p, _ := problemFor(s.g.refuseCredentials(s.rt, s.t.auth.schemes, err))
		s.end(closeForbidden, "Forbidden: "+p.Detail)
		return false
	}
	if in := infoOf(s.r.Context()); in != nil && id.Scheme != AuthAnonymous {
		in.id = id
	}
	if fromPayload && id.Scheme == AuthJWT {
		payload["Authorization"], _ = json.Marshal(creds.Get("Authorization"))
	}
	s.creds = creds
	if payload != nil {
		msg.Payload, _ = json.Marshal(payload)
	}
	return s.forward(ctx, msg)
}

// subscribe classifies the operation a subscribe message carries, as a
// request of its own: parsed, checked, its needs met by the connection's
// credentials and within its limits; the upstream gets it as classified.
// A refusal is the operation's error message; the socket goes on.
func (s *socket) subscribe(ctx context.Context, msg *socketMessage) bool {
	var p graphqlParams
	if msg.ID == "" || json.Unmarshal(msg.Payload, &p) != nil || p.Query == "" {
		s.end(closeBadRequest, "Invalid message received")
		return false
	}
	d := &demand{}
	err := s.gq.classify(&p, d)
	var id Identity
	if err == nil {
		id, err = s.g.authorize(s.creds, s.t, s.rt, d.needs)
	}
	if err == nil {
		err = s.g.throttle(nil, s.r, s.rt, s.t, id, 1, d.limits)
	}
	if err != nil {
		pr, _ := problemFor(err)
		refusal, _ := json.Marshal(map[string]any{"id": msg.ID, "type": "error", "payload": []any{graphqlErrorOf(pr)}})
		return s.write(ctx, s.client, websocket.MessageText, refusal) == nil
	}
	msg.Payload, _ = json.Marshal(p)
	return s.forward(ctx, msg)
}

// forward passes msg on to the upstream, encoded anew: what it gets is
// what the gateway read.
func (s *socket) forward(ctx context.Context, msg *socketMessage) bool {
	data, err := json.Marshal(msg)
	if err == nil {
		err = s.write(ctx, s.upstream, websocket.MessageText, data)
	}
	if err != nil {
		closeWith(s.client, websocket.StatusInternalError, "the upstream failed")
		return false
	}
	return true
}

func (s *socket) write(ctx context.Context, c *websocket.Conn, typ websocket.MessageType, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, socketWriteTimeout)
	defer cancel()
	return c.Write(ctx, typ, data)
}

// end closes the client with code and reason, and the upstream normally.
func (s *socket) end(code websocket.StatusCode, reason string) {
	closeWith(s.client, code, reason)
	_ = s.upstream.Close(websocket.StatusNormalClosure, "")
}

// closeOf is the close that err, a read's, tells of — to be passed on to
// the other end — or, when the connection broke without one, 1011 with
// the reason given.
func closeOf(err error, broke string) (websocket.StatusCode, string) {
	var ce websocket.CloseError
	switch {
	case !errors.As(err, &ce):
		return websocket.StatusInternalError, broke
	case ce.Code == websocket.StatusNoStatusRcvd:
		return websocket.StatusNormalClosure, ""
	}
	return ce.Code, ce.Reason
}

// closeWith closes c, the reason cut to what a close frame holds.
func closeWith(c *websocket.Conn, code websocket.StatusCode, reason string) {
	if len(reason) > 123 {
		reason = reason[:123]
	}
	_ = c.Close(code, reason)
}

package graphqlapi_test

import (
	"net/http"
	"testing"

	"github.com/articlekit/articlekit/graphqlapi"
)

// A WebSocket handshake is checked before it reaches gqlgen: a page of
// another origin may not subscribe (cross-site WebSocket hijacking) unless
// it is the host a proxy forwarded for or AllowedOrigins lists it; a
// malformed handshake gets a GraphQL error and a structured log line.
func TestWebSocketHandshake(t *testing.T) {
	cfg := graphqlapi.Config{Backend: graphqlapi.BackendInProcess, AllowedOrigins: []string{"*.example.com", "https://secure.example.org"}}
	s := backends[0].make(t, cfg)
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no Origin: not a browser", nil, http.StatusSwitchingProtocols},
		{"the API's own host", map[string]string{"Origin": "http://" + s.gql.Listener.Addr().String()}, http.StatusSwitchingProtocols},
		{"another origin", map[string]string{"Origin": "http://evil.test"}, http.StatusForbidden},
		{"the host a proxy forwarded for", map[string]string{"Origin": "http://gateway.test:8280", "X-Forwarded-Host": "gateway.test:8280"}, http.StatusSwitchingProtocols},
		{"another origin than the forwarded host", map[string]string{"Origin": "http://evil.test", "X-Forwarded-Host": "gateway.test:8280"}, http.StatusForbidden},
		{"a host pattern", map[string]string{"Origin": "https://app.example.com"}, http.StatusSwitchingProtocols},
		{"an origin pattern", map[string]string{"Origin": "https://secure.example.org"}, http.StatusSwitchingProtocols},
		{"an origin pattern, another scheme", map[string]string{"Origin": "http://secure.example.org"}, http.StatusForbidden},
		{"an Origin that is no URL", map[string]string{"Origin": "::"}, http.StatusForbidden},
		{"an old version", map[string]string{"Sec-WebSocket-Version": "8"}, http.StatusUpgradeRequired},
		{"no key", map[string]string{"Sec-WebSocket-Key": ""}, http.StatusBadRequest},
		{"a short key", map[string]string{"Sec-WebSocket-Key": "c2hvcnQ="}, http.StatusBadRequest},
		{"no Connection: Upgrade", map[string]string{"Connection": "keep-alive"}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", s.gql.URL+graphqlapi.Endpoint, nil)
			if err != nil {
				t.Fatal(err)
			}
			for name, value := range map[string]string{"Connection": "Upgrade", "Upgrade": "websocket",
				"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key, "Sec-WebSocket-Protocol": "graphql-transport-ws"} {
				req.Header.Set(name, value)
			}
			for name, value := range tt.header {
				req.Header.Set(name, value)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("handshake = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want != http.StatusSwitchingProtocols && resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("refusal in %q, want a GraphQL response", resp.Header.Get("Content-Type"))
			}
		})
	}
	if n := s.logs.FilterMessage("websocket handshake refused").Len(); n != 8 {
		t.Errorf("%d refusals logged, want 8", n)
	}
}

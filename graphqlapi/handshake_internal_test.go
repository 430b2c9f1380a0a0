package graphqlapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// No handshake makes the check panic, and each gets one of its answers; a
// page of an origin that is none of the allowed ones never gets through.
func FuzzHandshake(f *testing.F) {
	f.Add("Upgrade", "websocket", "13", "dGhlIHNhbXBsZSBub25jZQ==", "", "")
	f.Add("Upgrade", "websocket", "13", "dGhlIHNhbXBsZSBub25jZQ==", "http://gateway.test", "gateway.test")
	f.Add("keep-alive, Upgrade", "WebSocket", "13", "dGhlIHNhbXBsZSBub25jZQ==", "https://app.example.com", "")
	f.Add("Upgrade", "websocket", "8", "", "http://[::1", "a, b")
	f.Add("upgrade", "websocket", "13", "AAAAAAAAAAAAAAAAAAAAAA==", "null", "")
	a := &API{cfg: Config{AllowedOrigins: []string{"*.example.com", "https://secure.example.org"}}}
	f.Fuzz(func(t *testing.T, connection, upgrade, version, key, origin, forwarded string) {
		r := httptest.NewRequest("GET", "http://api.test/graphql", nil)
		for name, value := range map[string]string{"Connection": connection, "Upgrade": upgrade, "Sec-WebSocket-Version": version,
			"Sec-WebSocket-Key": key, "Origin": origin, "X-Forwarded-Host": forwarded} {
			if value != "" {
				r.Header.Set(name, value)
			}
		}
		status, message := a.handshakeProblem(r)
		switch status {
		case 0:
			if origin != "" && !strings.Contains(strings.ToLower(origin), "api.test") && forwarded == "" &&
				!strings.Contains(strings.ToLower(origin), "example.") {
				t.Fatalf("origin %q got through without being allowed", origin)
			}
		case http.StatusBadRequest, http.StatusForbidden, http.StatusUpgradeRequired:
			if message == "" {
				t.Fatal("a refusal without a reason")
			}
		default:
			t.Fatalf("status %d", status)
		}
	})
}

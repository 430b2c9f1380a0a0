package graphqlapi

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"path"
	"strings"

	"go.uber.org/zap"
)

// refuseHandshake answers a WebSocket handshake that is not one, or that a
// page of an unauthorized origin opens (cross-site WebSocket hijacking), and
// reports whether it did. It runs before gqlgen's transport, which would
// refuse the same handshakes but log them to the standard logger.
func (a *API) refuseHandshake(w http.ResponseWriter, r *http.Request) bool {
	status, message := a.handshakeProblem(r)
	if status == 0 {
		return false
	}
	a.log.Info("websocket handshake refused", zap.Int("status", status), zap.String("reason", message),
		zap.String("origin", r.Header.Get("Origin")))
	if status == http.StatusUpgradeRequired {
		w.Header().Set("Sec-WebSocket-Version", "13")
	}
	writeGraphQLError(w, status, CodeBadRequest, message)
	return true
}

// handshakeProblem is why r is refused, or a zero status.
func (a *API) handshakeProblem(r *http.Request) (status int, message string) {
	switch {
	case !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket"):
		return http.StatusBadRequest, "a WebSocket handshake needs Connection: Upgrade and Upgrade: websocket"
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return http.StatusUpgradeRequired, "the WebSocket version must be 13"
	case !validKey(r.Header.Get("Sec-WebSocket-Key")):
		return http.StatusBadRequest, "the Sec-WebSocket-Key header must hold 16 bytes in base64"
	case !a.originAllowed(r):
		return http.StatusForbidden, "pages of this origin may not open subscriptions here; GRAPHQL_ALLOWED_ORIGINS lists those that may"
	}
	return 0, ""
}

func validKey(key string) bool {
	b, err := base64.StdEncoding.DecodeString(key)
	return err == nil && len(b) == 16
}

// originAllowed reports whether the page that opens r may: no Origin (not
// a browser), the API's own host or the one a proxy forwarded for, or an
// origin AllowedOrigins lists.
func (a *API) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Host)
	forwarded, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ",")
	if host == strings.ToLower(r.Host) || host == strings.ToLower(strings.TrimSpace(forwarded)) {
		return true
	}
	for _, pattern := range a.cfg.AllowedOrigins {
		target := host
		if strings.Contains(pattern, "://") {
			target = strings.ToLower(u.Scheme) + "://" + host
		}
		if ok, _ := path.Match(strings.ToLower(pattern), target); ok {
			return true
		}
	}
	return false
}

// headerHasToken reports whether a comma-separated header of r holds token,
// in any case.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

package gateway

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"

	"go.uber.org/zap"
)

// throttle applies the consumer's tier and the route's limit, setting the
// RateLimit headers on h; a *limitError refuses a request that reaches
// either.
func (g *Gateway) throttle(h http.Header, r *http.Request, rt *Route, t *table, id Identity) error {
	checks := []struct {
		name, key string
		limit     Limit
	}{
		{"consumer", "consumer:" + id.Consumer, t.cfg.Tiers[id.Tier]},
		{"route", "route:" + rt.Name, rt.Limit},
	}
	if id.Consumer == "anonymous" {
		checks[0].key = "anonymous:" + clientKey(r.RemoteAddr)
	}
	var lim limiter = g.local
	if g.shared != nil {
		lim = g.shared
	}
	// The headers show the limit closest to running out.
	var shown *decision
	for _, c := range checks {
		if c.limit.Unlimited() {
			continue
		}
		d, err := lim.allow(r.Context(), c.key, c.limit)
		if err != nil {
			// A shared store that is down must not open the floodgates
			// nor close the API: the instance's own limit stands in.
			g.log.Warn("shared rate limit unavailable; limiting locally", zap.Error(err))
			d, _ = g.local.allow(r.Context(), c.key, c.limit)
		}
		if shown == nil || !d.allowed || d.remaining < shown.remaining {
			shown = &d
		}
		if !d.allowed {
			rateLimitHeaders(h, d)
			g.metrics.throttled(rt.Name, c.name)
			return &limitError{limit: c.name, retryAfter: d.retryAfter}
		}
	}
	if shown != nil {
		rateLimitHeaders(h, *shown)
	}
	return nil
}

func rateLimitHeaders(h http.Header, d decision) {
	// Canonical keys and one backing array: three headers, one allocation.
	v := []string{strconv.Itoa(d.limit), strconv.Itoa(d.remaining), strconv.Itoa(seconds(d.reset))}
	h["Ratelimit-Limit"], h["Ratelimit-Remaining"], h["Ratelimit-Reset"] = v[0:1:1], v[1:2:2], v[2:3:3]
}

// clientKey is what anonymous callers are limited by: the IP address, or
// for IPv6 its /64, which one subscriber holds whole.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if addr = addr.Unmap(); addr.Is6() {
		prefix, _ := addr.WithZone("").Prefix(64)
		return prefix.String()
	}
	return addr.String()
}

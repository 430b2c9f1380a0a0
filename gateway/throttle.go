package gateway

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"

	"go.uber.org/zap"
)

// check is one limit a request counts against, n times: key names its
// budget, name the kind for metrics (consumer, route; operation or field
// for a GraphQL route's).
type check struct {
	name, key string
	limit     Limit
	n         int
}

// throttle applies the consumer's tier and the route's limit, each counting
// n requests (a GraphQL batch's operations), and the checks of more,
// setting the RateLimit headers on h; a *limitError refuses a request that
// reaches any.
func (g *Gateway) throttle(h http.Header, r *http.Request, rt *Route, t *table, id Identity, n int, more []check) error {
	checks := [2]check{
		{"consumer", "consumer:" + id.Consumer, t.cfg.Tiers[id.Tier], n},
		{"route", "route:" + rt.Name, rt.Limit, n},
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
	for i := range len(checks) + len(more) {
		c := checks[min(i, len(checks)-1)]
		if i >= len(checks) {
			c = more[i-len(checks)]
		}
		if c.limit.Unlimited() {
			continue
		}
		d, err := lim.allow(r.Context(), c.key, c.limit, c.n)
		if err != nil {
			// A shared store that is down must not open the floodgates
			// nor close the API: the instance's own limit stands in.
			g.log.Warn("shared rate limit unavailable; limiting locally", zap.Error(err))
			d, _ = g.local.allow(r.Context(), c.key, c.limit, c.n)
		}
		if shown == nil || !d.allowed || d.remaining < shown.remaining {
			shown = &d
		}
		if !d.allowed {
			if h != nil {
				rateLimitHeaders(h, d)
			}
			g.metrics.throttled(rt.Name, c.name)
			return &limitError{limit: c.name, retryAfter: d.retryAfter}
		}
	}
	if shown != nil && h != nil {
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

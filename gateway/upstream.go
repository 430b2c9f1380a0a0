package gateway

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// target is one upstream server with its live state.
type target struct {
	url         *url.URL
	weight      int
	pool        *pool // its own, whose suspension policy applies, also when failed over to
	outstanding atomic.Int64

	mu        sync.Mutex
	failures  int           // consecutive failures
	until     time.Time     // suspended until
	suspended time.Duration // the last suspension's length
	unhealthy bool          // the health check says so
}

// available reports whether the target may take a request now.
func (t *target) available(now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.unhealthy && !now.Before(t.until)
}

// pool is an upstream: its targets and how to choose among them.
type pool struct {
	name     string
	targets  []*target
	balance  string
	suspend  Suspension
	failover *pool
	next     atomic.Uint64
	// onHealth is told when a target's availability changes.
	onHealth func(pool, target string, up bool)
}

func newPool(name string, u Upstream) (*pool, error) {
	p := &pool{name: name, balance: u.Balance, suspend: u.Suspension}
	for _, t := range u.Targets {
		parsed, err := url.Parse(t.URL)
		if err != nil {
			return nil, err
		}
		p.targets = append(p.targets, &target{url: parsed, weight: t.Weight, pool: p})
	}
	return p, nil
}

// inherit takes over the state of old's targets that p has too (same URL):
// a reload must not send traffic back to a suspended or unhealthy target.
func (p *pool) inherit(old *pool) {
	byURL := make(map[string]*target, len(old.targets))
	for _, t := range old.targets {
		byURL[t.url.String()] = t
	}
	for _, t := range p.targets {
		o, ok := byURL[t.url.String()]
		if !ok {
			continue
		}
		o.mu.Lock()
		t.failures, t.until, t.suspended, t.unhealthy = o.failures, o.until, o.suspended, o.unhealthy
		o.mu.Unlock()
	}
}

// up reports whether the target counts as up: healthy and not suspended.
func (t *target) up() bool { return t.available(time.Now()) }

// pick chooses a target not in tried, or nil when none is available; it
// fails over to the failover pool when this one has none.
func (p *pool) pick(tried map[*target]bool) *target {
	now := time.Now()
	var live []*target
	for _, t := range p.targets {
		if !tried[t] && t.available(now) {
			live = append(live, t)
		}
	}
	if len(live) == 0 {
		if p.failover != nil {
			return p.failover.pick(tried)
		}
		return nil
	}
	n := p.next.Add(1)
	switch p.balance {
	case BalanceWeighted:
		total := 0
		for _, t := range live {
			total += t.weight
		}
		at := int(n % uint64(total))
		for _, t := range live {
			if at < t.weight {
				return t
			}
			at -= t.weight
		}
	case BalanceLeastRequests:
		best := live[int(n%uint64(len(live)))] // ties go round the pool
		for _, t := range live {
			if t.outstanding.Load() < best.outstanding.Load() {
				best = t
			}
		}
		return best
	}
	return live[int(n%uint64(len(live)))]
}

// succeeded clears a target's failures.
func (p *pool) succeeded(t *target) {
	t.mu.Lock()
	wasSuspended := t.suspended > 0
	t.failures, t.suspended = 0, 0
	t.mu.Unlock()
	if wasSuspended && p.onHealth != nil {
		p.onHealth(p.name, t.url.String(), true)
	}
}

// failed counts a failure; enough in a row suspend the target, each time
// longer (Initial × Factor^n, up to Max).
func (p *pool) failed(t *target) {
	t.mu.Lock()
	t.failures++
	suspend := t.failures >= p.suspend.Failures
	if suspend {
		next := p.suspend.Initial
		if t.suspended > 0 {
			next = time.Duration(math.Min(float64(t.suspended)*p.suspend.Factor, float64(p.suspend.Max)))
		}
		t.suspended, t.until, t.failures = next, time.Now().Add(next), 0
	}
	t.mu.Unlock()
	if suspend && p.onHealth != nil {
		p.onHealth(p.name, t.url.String(), false)
	}
}

// check probes every target's health path until ctx ends.
func (p *pool) check(ctx context.Context, hc HealthCheck, client *http.Client) {
	if hc.Interval <= 0 {
		return
	}
	// Targets start healthy, and the first probe waits an interval: the
	// upstreams may be starting with the gateway.
	tick := time.NewTicker(hc.Interval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
		for _, t := range p.targets {
			up := probe(ctx, client, t.url.JoinPath(hc.Path).String(), hc.Timeout)
			t.mu.Lock()
			changed := t.unhealthy == up
			t.unhealthy = !up
			if up && !t.until.IsZero() {
				// A target that answers its health check again — restarted,
				// say — takes requests again rather than sit out its
				// suspension; failing again suspends it for longer.
				changed = changed || time.Now().Before(t.until)
				t.until, t.failures = time.Time{}, 0
			}
			t.mu.Unlock()
			if changed && p.onHealth != nil {
				p.onHealth(p.name, t.url.String(), up)
			}
		}
	}
}

func probe(ctx context.Context, client *http.Client, url string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode < 500
}

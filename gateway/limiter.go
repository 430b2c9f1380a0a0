package gateway

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// decision is a limiter's answer for one request.
type decision struct {
	allowed    bool
	limit      int           // requests per period
	remaining  int           // requests left now
	reset      time.Duration // until the bucket is full again
	retryAfter time.Duration // when refused: until one request is allowed
}

// limiter decides whether n requests under key may pass limit l.
type limiter interface {
	allow(ctx context.Context, key string, l Limit, n int) (decision, error)
}

// maxLimiters bounds the keys a local limiter remembers: anonymous callers
// are keyed by address, which an attacker can vary.
const maxLimiters = 100_000

// localLimiter is a token bucket per key (golang.org/x/time/rate): exact
// for one gateway instance.
type localLimiter struct {
	buckets *lru.Cache[string, *rate.Limiter]
}

func newLocalLimiter() *localLimiter {
	c, _ := lru.New[string, *rate.Limiter](maxLimiters)
	return &localLimiter{buckets: c}
}

func burst(l Limit) int {
	if l.Burst > 0 {
		return l.Burst
	}
	return l.Requests
}

func (ll *localLimiter) allow(_ context.Context, key string, l Limit, n int) (decision, error) {
	every := rate.Limit(float64(l.Requests) / l.Per.Seconds())
	b, ok := ll.buckets.Get(key)
	if !ok || b.Limit() != every || b.Burst() != burst(l) {
		b = rate.NewLimiter(every, burst(l))
		ll.buckets.Add(key, b)
	}
	// AllowN changes nothing when it refuses. (A reservation cancelled on
	// refusal would not do: CancelAt restores less than it took once other
	// requests have reserved since, and under load the bucket loses tokens.)
	now := time.Now()
	d := decision{limit: l.Requests, allowed: b.AllowN(now, n)}
	tokens := b.TokensAt(now)
	if !d.allowed {
		d.retryAfter = time.Duration((float64(min(n, burst(l))) - tokens) / float64(every) * float64(time.Second))
	}
	d.remaining = max(0, int(tokens))
	d.reset = time.Duration((float64(burst(l)) - tokens) / float64(every) * float64(time.Second))
	return d, nil
}

// redisLimiter is GCRA in Redis (go-redis/redis_rate): one budget shared by
// every gateway instance that uses the same Redis.
type redisLimiter struct {
	limiter *redis_rate.Limiter
}

func newRedisLimiter(url string) (*redisLimiter, *redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, fmt.Errorf("gateway: redis url: %w", err)
	}
	// A limit check sits on every request's path: with Redis slow or down,
	// fail fast and limit locally rather than hold requests.
	opts.MaxRetries = 1
	opts.DialTimeout = 250 * time.Millisecond
	opts.ReadTimeout = 250 * time.Millisecond
	opts.WriteTimeout = 250 * time.Millisecond
	client := redis.NewClient(opts)
	return &redisLimiter{limiter: redis_rate.NewLimiter(client)}, client, nil
}

func (rl *redisLimiter) allow(ctx context.Context, key string, l Limit, n int) (decision, error) {
	res, err := rl.limiter.AllowN(ctx, "articlekit-gateway:"+key, redis_rate.Limit{Rate: l.Requests, Burst: burst(l), Period: l.Per}, n)
	if err != nil {
		return decision{}, err
	}
	d := decision{allowed: res.Allowed > 0, limit: l.Requests, remaining: res.Remaining, reset: res.ResetAfter}
	if !d.allowed {
		d.retryAfter = res.RetryAfter
	}
	return d, nil
}

// seconds rounds a duration up to whole seconds, for headers.
func seconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

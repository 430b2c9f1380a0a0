package kafkasync

import (
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.uber.org/zap"
)

// Option configures the package's constructors: NewRelay, NewConsumer,
// NewWriter and NewReader. Each reads the options that concern it.
type Option func(*options)

type options struct {
	log     *zap.Logger
	metrics *Metrics
	feed    ChangeFeed
}

func optionsOf(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.metrics == nil {
		o.metrics = unregistered()
	}
	return o
}

// logger returns o's logger named name, or a no-op one.
func (o options) logger(name string) *zap.Logger {
	if o.log == nil {
		return zap.NewNop()
	}
	return o.log.Named(name)
}

// WithLogger logs to log (the relay and consumer their work, the writer and
// reader kafka-go's errors). Default: no logging.
func WithLogger(log *zap.Logger) Option { return func(o *options) { o.log = log } }

// WithMetrics records the relay's and the consumer's metrics in m.
// Default: counted, not exported.
func WithMetrics(m *Metrics) Option { return func(o *options) { o.metrics = m } }

// WithChangeFeed wakes the relay for every change feed announces, so that
// changes committed in this process are published at once instead of at
// the next poll (NewRelay).
func WithChangeFeed(feed ChangeFeed) Option { return func(o *options) { o.feed = feed } }

// newBackoff doubles a wait from first to most, without jitter: the relay
// counts on the longest wait to fit its lease.
func newBackoff(first, most time.Duration) *backoff.ExponentialBackOff {
	return &backoff.ExponentialBackOff{InitialInterval: first, Multiplier: 2, MaxInterval: most}
}

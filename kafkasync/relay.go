package kafkasync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
)

// MessageWriter publishes messages; *kafka.Writer is one.
type MessageWriter interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// leaseName is the outbox lease the relays share.
const leaseName = "kafkasync-relay"

// Relay publishes the outbox to Kafka. Run it with Run; Wake makes it look
// at the outbox now rather than at its next poll.
type Relay struct {
	outbox  *articles.Outbox
	writer  MessageWriter
	cfg     Config
	log     *zap.Logger
	metrics *Metrics
	holder  string
	wake    chan struct{}
}

// RelayOption configures a Relay.
type RelayOption func(*Relay)

// WithRelayMetrics records the relay's metrics in m.
func WithRelayMetrics(m *Metrics) RelayOption { return func(r *Relay) { r.metrics = m } }

// NewRelay returns a relay of outbox to writer.
func NewRelay(outbox *articles.Outbox, writer MessageWriter, cfg Config, log *zap.Logger, opts ...RelayOption) *Relay {
	if log == nil {
		log = zap.NewNop()
	}
	host, _ := os.Hostname()
	var id [4]byte
	_, _ = rand.Read(id[:])
	r := &Relay{
		outbox:  outbox,
		writer:  writer,
		cfg:     cfg.WithDefaults(),
		log:     log.Named("kafkasync.relay"),
		metrics: unregistered(),
		holder:  fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(id[:])),
		wake:    make(chan struct{}, 1),
	}
	for _, opt := range opts {
		opt(r)
	}
	return r
}

// Wake asks the relay to look at the outbox now. It never blocks.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run publishes until ctx ends, holding the lease while it can. It returns
// nil when ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	defer func() {
		r.metrics.leader.Set(0)
		release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := r.outbox.ReleaseLease(release, leaseName, r.holder); err != nil {
			r.log.Warn("release lease", zap.Error(err))
		}
	}()
	backoff := newBackoff(100*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		held, err := r.outbox.TryLease(ctx, leaseName, r.holder, r.cfg.RelayLease)
		if err != nil || !held {
			r.metrics.leader.Set(0)
			if err != nil && ctx.Err() == nil {
				r.log.Warn("lease", zap.Error(err))
			}
			r.sleep(ctx, r.cfg.RelayLease/3)
			continue
		}
		r.metrics.leader.Set(1)
		n, err := r.RelayOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			r.metrics.relayErrors.Inc()
			wait := backoff.next()
			r.log.Warn("publish failed; retrying", zap.Error(err), zap.Duration("in", wait))
			r.sleep(ctx, wait)
		case err != nil:
		case n < r.cfg.RelayBatch:
			backoff.reset()
			r.sleep(ctx, r.cfg.RelayPoll)
		default:
			backoff.reset() // a full batch: more may wait
		}
	}
	return nil
}

// RelayOnce publishes one batch of pending events and marks them published,
// and returns how many it published.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	events, err := r.outbox.Pending(ctx, r.cfg.RelayBatch)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	msgs := make([]kafka.Message, len(events))
	seqs := make([]int64, len(events))
	for i, ev := range events {
		if msgs[i], err = Encode(r.cfg.Source, ev); err != nil {
			return 0, err
		}
		msgs[i].Topic = r.cfg.Topic
		seqs[i] = ev.Seq
	}
	// The events are marked only once the brokers have them: a failure
	// before that publishes them again, never loses them.
	if err := r.writer.WriteMessages(ctx, msgs...); err != nil {
		return 0, fmt.Errorf("kafkasync: publish %d events: %w", len(msgs), err)
	}
	if err := r.outbox.MarkPublished(ctx, time.Now(), seqs...); err != nil {
		return 0, err
	}
	r.metrics.relayed.Add(float64(len(msgs)))
	return len(msgs), nil
}

// sleep waits for d, a wake-up or the end of ctx.
func (r *Relay) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-r.wake:
	case <-t.C:
	}
}

// backoff doubles a wait from min to max.
type backoff struct{ min, max, cur time.Duration }

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max} }

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur
}

func (b *backoff) reset() { b.cur = 0 }

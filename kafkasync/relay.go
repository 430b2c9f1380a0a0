package kafkasync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
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

// WithRelayMetrics records the relay's metrics in m (nil: none).
func WithRelayMetrics(m *Metrics) RelayOption {
	return func(r *Relay) {
		if m != nil {
			r.metrics = m
		}
	}
}

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
//
// Only the lease holder publishes, and each of its publishes ends before
// the lease it renewed could run out: two relays never publish at once.
func (r *Relay) Run(ctx context.Context) error {
	defer r.release(ctx)
	// The longest wait plus the longest publish stay inside one lease, so a
	// failing leader renews in time.
	backoff := newBackoff(min(100*time.Millisecond, r.cfg.RelayLease/8), r.cfg.RelayLease/4)
	var failingSince time.Time
	for ctx.Err() == nil {
		held, err := r.outbox.TryLease(ctx, leaseName, r.holder, r.cfg.RelayLease)
		if err != nil || !held {
			r.metrics.leader.Set(0)
			if err != nil && ctx.Err() == nil {
				r.log.Warn("lease", zap.Error(err))
			}
			// Wakes come from this process's writes, which the leader,
			// elsewhere, finds by polling: a follower ignores them rather
			// than ask for the lease at every write.
			sleep(ctx, nil, r.cfg.RelayLease/3)
			continue
		}
		r.metrics.leader.Set(1)
		publish, cancel := context.WithTimeout(ctx, r.cfg.RelayLease/2)
		n, err := r.RelayOnce(publish)
		cancel()
		switch {
		case ctx.Err() != nil:
		case err != nil:
			r.metrics.relayErrors.Inc()
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			if time.Since(failingSince) > r.cfg.RelayLease {
				// Another relay, perhaps better placed, gets its chance; this
				// one takes the lease back if it is still free.
				r.log.Error("publishing has failed for longer than the lease; handing the lease over", zap.Error(err))
				r.release(ctx)
				failingSince = time.Time{}
				backoff.reset()
				sleep(ctx, nil, r.cfg.RelayLease/3)
				continue
			}
			wait := backoff.next()
			r.log.Warn("publish failed; retrying", zap.Error(err), zap.Duration("in", wait))
			sleep(ctx, nil, wait)
		case n < r.cfg.RelayBatch:
			backoff.reset()
			failingSince = time.Time{}
			sleep(ctx, r.wake, r.cfg.RelayPoll)
		default:
			backoff.reset() // a full batch: more may wait
			failingSince = time.Time{}
		}
	}
	return nil
}

// release gives up the lease, if this relay holds it.
func (r *Relay) release(ctx context.Context) {
	r.metrics.leader.Set(0)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := r.outbox.ReleaseLease(ctx, leaseName, r.holder); err != nil {
		r.log.Warn("release lease", zap.Error(err))
	}
}

// RelayOnce publishes one batch of pending events and marks them published,
// and returns how many it published.
//
// An event that cannot be encoded never will be: rather than hold back
// every event behind it, it goes to the dead-letter topic as stored, with
// the error in a header.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	events, err := r.outbox.Pending(ctx, r.cfg.RelayBatch)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	msgs := make([]kafka.Message, len(events))
	seqs := make([]int64, len(events))
	undecodable := 0
	for i, ev := range events {
		seqs[i] = ev.Seq
		msg, err := Encode(r.cfg.Source, ev)
		if err != nil {
			r.log.Error("outbox event cannot be encoded; dead-lettering it", zap.String("event", ev.ID), zap.Error(err))
			msgs[i] = kafka.Message{
				Topic: r.cfg.DLQTopic,
				Key:   []byte(strconv.FormatInt(ev.ArticleID, 10)),
				Value: ev.Payload,
				Headers: []kafka.Header{
					{Key: HeaderError, Value: []byte(truncate(err.Error()))},
					{Key: HeaderFailedAt, Value: []byte(time.Now().UTC().Format(time.RFC3339Nano))},
				},
			}
			undecodable++
			continue
		}
		msg.Topic = r.cfg.Topic
		msgs[i] = msg
	}
	// The events are marked only once the brokers have them: a failure
	// before that publishes them again, never loses them.
	if err := r.writer.WriteMessages(ctx, msgs...); err != nil {
		return 0, fmt.Errorf("kafkasync: publish %d events: %w", len(msgs), err)
	}
	if err := r.outbox.MarkPublished(ctx, time.Now(), seqs...); err != nil {
		return 0, err
	}
	r.metrics.relayed.Add(float64(len(msgs) - undecodable))
	r.metrics.deadLettered.WithLabelValues("encode").Add(float64(undecodable))
	return len(msgs), nil
}

// sleep waits for d, a value from wake (nil: none) or the end of ctx.
func sleep(ctx context.Context, wake <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-wake:
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

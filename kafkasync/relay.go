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
	"github.com/articlekit/articlekit/internal/background"
)

// MessageWriter publishes messages; *kafka.Writer is one.
type MessageWriter interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Outbox is what the relay needs of a transactional outbox: the pending
// events in order, a way to mark them published, and a lease that lets one
// relay of several publish at a time. *articles.Outbox is one.
type Outbox interface {
	Pending(ctx context.Context, limit int) ([]articles.Event, error)
	MarkPublished(ctx context.Context, at time.Time, seqs ...int64) error
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// ChangeFeed announces changes committed in this process (see
// WithChangeFeed); *articles.Service is one.
type ChangeFeed interface {
	Changes(ctx context.Context) (<-chan articles.Change, error)
}

// leaseName is the outbox lease the relays share.
const leaseName = "kafkasync-relay"

// Relay publishes the outbox to Kafka. Run it with Run; Wake makes it look
// at the outbox now rather than at its next poll.
type Relay struct {
	outbox  Outbox
	writer  MessageWriter
	feed    ChangeFeed
	cfg     Config
	log     *zap.Logger
	metrics *Metrics
	holder  string
	wake    chan struct{}
}

// NewRelay returns a relay of outbox to writer.
func NewRelay(outbox Outbox, writer MessageWriter, cfg Config, opts ...Option) *Relay {
	o := optionsOf(opts)
	host, _ := os.Hostname()
	var id [4]byte
	_, _ = rand.Read(id[:])
	return &Relay{
		outbox:  outbox,
		writer:  writer,
		feed:    o.feed,
		cfg:     cfg.WithDefaults(),
		log:     o.logger("kafkasync.relay"),
		metrics: o.metrics,
		holder:  fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(id[:])),
		wake:    make(chan struct{}, 1),
	}
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
	if r.feed != nil {
		var listening background.Group
		listening.Go(r.wakeOnChanges)
		defer listening.Stop(context.Background())
	}
	// The longest wait plus the longest publish stay inside one lease, so a
	// failing leader renews in time.
	wait := newBackoff(min(100*time.Millisecond, r.cfg.RelayLease/8), r.cfg.RelayLease/4)
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
			background.Sleep(ctx, r.cfg.RelayLease/3, nil)
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
				wait.Reset()
				background.Sleep(ctx, r.cfg.RelayLease/3, nil)
				continue
			}
			d := wait.NextBackOff()
			r.log.Warn("publish failed; retrying", zap.Error(err), zap.Duration("in", d))
			background.Sleep(ctx, d, nil)
		case n < r.cfg.RelayBatch:
			wait.Reset()
			failingSince = time.Time{}
			background.Sleep(ctx, r.cfg.RelayPoll, r.wake)
		default:
			wait.Reset() // a full batch: more may wait
			failingSince = time.Time{}
		}
	}
	return nil
}

// wakeOnChanges wakes the relay for every change of its feed until ctx
// ends.
func (r *Relay) wakeOnChanges(ctx context.Context) {
	for ctx.Err() == nil {
		changes, err := r.feed.Changes(ctx)
		if err != nil {
			// Polling still finds the changes; listening is tried again.
			background.Sleep(ctx, r.cfg.RelayPoll, nil)
			continue
		}
		for range changes {
			r.Wake()
		}
		// The feed closes when ctx ends or when it fell behind, which a
		// wake-up needs no catching up from.
		r.Wake()
	}
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
			stored := kafka.Message{Key: []byte(strconv.FormatInt(ev.ArticleID, 10)), Value: ev.Payload}
			msgs[i] = deadLetterOf(r.cfg.DLQTopic, stored, err, time.Now())
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

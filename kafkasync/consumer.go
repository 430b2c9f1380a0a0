package kafkasync

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/background"
)

// MessageReader fetches and commits messages of a consumer group;
// *kafka.Reader is one.
type MessageReader interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Consumer applies the topic's changes to a target.
type Consumer struct {
	reader  MessageReader
	dlq     MessageWriter
	applier Applier
	cfg     Config
	log     *zap.Logger
	metrics *Metrics
	now     func() time.Time
}

// NewConsumer returns a consumer of reader applying to applier and
// dead-lettering to cfg.DLQTopic through dlq.
func NewConsumer(reader MessageReader, dlq MessageWriter, applier Applier, cfg Config, opts ...Option) *Consumer {
	o := optionsOf(opts)
	return &Consumer{reader: reader, dlq: dlq, applier: applier, cfg: cfg.WithDefaults(),
		log: o.logger("kafkasync.consumer"), metrics: o.metrics, now: time.Now}
}

// Run consumes until ctx ends, and then returns nil. Meanwhile it keeps
// the lag metrics current: every few seconds it asks the brokers (those of
// the Config) how far the group is behind on every partition of the topic.
func (c *Consumer) Run(ctx context.Context) error {
	if len(c.cfg.Brokers) > 0 {
		var reporting background.Group
		reporting.Go(c.reportLag)
		defer reporting.Stop(context.Background())
	}
	for ctx.Err() == nil {
		msgs, err := c.fetch(ctx)
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("fetch failed", zap.Error(err))
				background.Sleep(ctx, time.Second, nil)
			}
			continue
		}
		if err := c.process(ctx, msgs); err != nil {
			return nil // only when ctx ended: the batch is fetched again later
		}
		c.commit(ctx, msgs)
	}
	return nil
}

// linger is how long a batch waits for more messages once it has one.
const linger = 2 * time.Millisecond

// fetch waits for a message, then takes what else arrives within linger, up
// to a batch.
func (c *Consumer) fetch(ctx context.Context) ([]kafka.Message, error) {
	first, err := c.reader.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	msgs := []kafka.Message{first}
	more, cancel := context.WithTimeout(ctx, linger)
	defer cancel()
	for len(msgs) < c.cfg.ConsumerBatch {
		m, err := c.reader.FetchMessage(more)
		if err != nil {
			break
		}
		msgs = append(msgs, m)
	}
	c.metrics.consumed.Add(float64(len(msgs)))
	return msgs, nil
}

// pending is a decoded change and the message it came in.
type pending struct {
	msg     kafka.Message
	decoded Decoded
}

// process applies a batch. What cannot be decoded, and changes the target
// refuses as invalid, go to the dead-letter topic; an unreachable target is
// waited for; a change failing for another reason is tried MaxAttempts
// times, then dead-lettered. It fails only when ctx ends.
func (c *Consumer) process(ctx context.Context, msgs []kafka.Message) error {
	var todo []pending
	var undecodable []deadLetter
	for _, m := range msgs {
		d, err := Decode(m)
		if err != nil {
			undecodable = append(undecodable, deadLetter{m, err})
			continue
		}
		todo = append(todo, pending{msg: m, decoded: d})
	}
	if err := c.deadLetter(ctx, "decode", undecodable...); err != nil {
		return err
	}
	attempts := 0 // failures of unknown cause in a row
	wait := newBackoff(100*time.Millisecond, 5*time.Second)
	for len(todo) > 0 {
		changes := make([]articles.Change, len(todo))
		for i, p := range todo {
			changes[i] = p.decoded.Change
		}
		results, err := c.applier.ApplyBatch(ctx, changes)
		c.record(todo, results)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Which change failed: the one named, or the only one.
		var culprit *kafka.Message
		var cerr *articles.ChangeError
		if errors.As(err, &cerr) && cerr.Index >= 0 && cerr.Index < len(todo) {
			culprit, err = &todo[cerr.Index].msg, cerr.Err
		} else if len(todo) == 1 {
			culprit = &todo[0].msg
		}
		todo = unapplied(todo, results)
		fate := classify(err)
		if fate == unknown {
			attempts++
		}
		switch {
		case culprit != nil && (fate == permanent || (fate == unknown && attempts >= c.cfg.MaxAttempts)):
			dead := *culprit
			if err := c.deadLetter(ctx, "apply", deadLetter{dead, err}); err != nil {
				return err
			}
			todo = slices.DeleteFunc(todo, func(p pending) bool {
				return p.msg.Partition == dead.Partition && p.msg.Offset == dead.Offset
			})
			attempts = 0
			wait.Reset()
		case culprit == nil && fate == unknown && attempts >= c.cfg.MaxAttempts:
			// An unexplained failure of the whole batch: find the culprit by
			// applying one change at a time.
			for _, p := range todo {
				if err := c.process(ctx, []kafka.Message{p.msg}); err != nil {
					return err
				}
			}
			return nil
		default:
			c.metrics.retries.Inc()
			d := wait.NextBackOff()
			c.log.Warn("apply failed; retrying", zap.Error(err), zap.Int("changes", len(todo)), zap.Duration("in", d))
			background.Sleep(ctx, d, nil)
		}
	}
	return nil
}

// fate is what a failed change deserves.
type fate int

const (
	unknown   fate = iota // try again a few times, then dead-letter
	permanent             // the change itself is bad: dead-letter it now
	transient             // the target is unreachable: wait for it, forever
)

// classify decides the fate of a change that failed with err. Only what
// belongs to the message — an invalid article or change — is permanent;
// everything the target's state explains (down, busy, misconfigured) is
// transient.
func classify(err error) fate {
	switch {
	case errors.Is(err, ErrBadEvent), errors.Is(err, articles.ErrInvalid):
		return permanent
	case errors.Is(err, articles.ErrUnavailable), errors.Is(err, articles.ErrConflict),
		errors.Is(err, context.DeadlineExceeded):
		return transient
	default:
		return unknown
	}
}

// unapplied keeps the changes of todo that have no result yet.
func unapplied(todo []pending, results []articles.ApplyResult) []pending {
	var rest []pending
	for i, p := range todo {
		if i >= len(results) || results[i] == 0 {
			rest = append(rest, p)
		}
	}
	return rest
}

// record counts the applied and stale results and the delay of applied ones.
func (c *Consumer) record(todo []pending, results []articles.ApplyResult) {
	now := c.now()
	for i, r := range results {
		if i >= len(todo) {
			break // an applier answering more than it was asked
		}
		switch r {
		case articles.Applied:
			c.metrics.applied.WithLabelValues("applied").Inc()
			if t := todo[i].decoded.Time; !t.IsZero() {
				c.metrics.delay.Observe(max(0, now.Sub(t).Seconds()))
			}
		case articles.Stale:
			c.metrics.applied.WithLabelValues("stale").Inc()
		}
	}
}

// deadLetter is a message that goes to the dead-letter topic, and why.
type deadLetter struct {
	msg   kafka.Message
	cause error
}

// deadLetter sends the messages to the dead-letter topic, with why they
// failed and where they came from, retrying until the brokers take them:
// the partition may move on only then. A dead letter too large for the
// brokers goes without its value.
func (c *Consumer) deadLetter(ctx context.Context, reason string, dls ...deadLetter) error {
	if len(dls) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, len(dls))
	for i, dl := range dls {
		msgs[i] = deadLetterOf(c.cfg.DLQTopic, dl.msg, dl.cause, c.now())
	}
	wait := newBackoff(100*time.Millisecond, 5*time.Second)
	for {
		err := c.dlq.WriteMessages(ctx, msgs...)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, kafka.MessageSizeTooLarge) {
			for i := range msgs {
				msgs[i].Value = nil
				msgs[i].Headers = append(msgs[i].Headers, kafka.Header{Key: HeaderValueDropped, Value: []byte("too large")})
			}
		}
		c.log.Warn("dead-letter write failed; retrying", zap.Error(err))
		background.Sleep(ctx, wait.NextBackOff(), nil)
	}
	c.metrics.deadLettered.WithLabelValues(reason).Add(float64(len(dls)))
	for _, dl := range dls {
		c.log.Warn("dead-lettered", zap.String("reason", reason), zap.Error(dl.cause),
			zap.Int("partition", dl.msg.Partition), zap.Int64("offset", dl.msg.Offset))
	}
	return nil
}

// commit hands the batch's offsets to the reader's committer, which sends
// them within its commit interval; failures there are logged by the
// reader. An uncommitted batch is fetched again later and skipped as stale.
func (c *Consumer) commit(ctx context.Context, msgs []kafka.Message) {
	if err := c.reader.CommitMessages(ctx, msgs...); err != nil && ctx.Err() == nil {
		c.log.Warn("commit failed", zap.Error(err))
	}
}

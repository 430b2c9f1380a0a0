package kafkasync

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
)

// MessageReader fetches and commits messages of a consumer group;
// *kafka.Reader is one.
type MessageReader interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Dead-letter headers, added to the original message's.
const (
	HeaderError             = "articlekit-error"
	HeaderOriginalTopic     = "articlekit-original-topic"
	HeaderOriginalPartition = "articlekit-original-partition"
	HeaderOriginalOffset    = "articlekit-original-offset"
	HeaderFailedAt          = "articlekit-failed-at"
)

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

// ConsumerOption configures a Consumer.
type ConsumerOption func(*Consumer)

// WithConsumerMetrics records the consumer's metrics in m.
func WithConsumerMetrics(m *Metrics) ConsumerOption {
	return func(c *Consumer) {
		if m != nil {
			c.metrics = m
		}
	}
}

// NewConsumer returns a consumer of reader applying to applier and
// dead-lettering to cfg.DLQTopic through dlq.
func NewConsumer(reader MessageReader, dlq MessageWriter, applier Applier, cfg Config, log *zap.Logger, opts ...ConsumerOption) *Consumer {
	if log == nil {
		log = zap.NewNop()
	}
	c := &Consumer{reader: reader, dlq: dlq, applier: applier, cfg: cfg.WithDefaults(),
		log: log.Named("kafkasync.consumer"), metrics: unregistered(), now: time.Now}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// Run consumes until ctx ends, and then returns nil.
func (c *Consumer) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		msgs, err := c.fetch(ctx)
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("fetch failed", zap.Error(err))
				sleep(ctx, time.Second)
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

// process applies a batch: undecodable messages and changes refused for
// good go to the dead-letter topic, an unavailable target is waited for.
// It fails only when ctx ends.
func (c *Consumer) process(ctx context.Context, msgs []kafka.Message) error {
	var todo []pending
	for _, m := range msgs {
		d, err := Decode(m)
		if err != nil {
			if err := c.deadLetter(ctx, m, "decode", err); err != nil {
				return err
			}
			continue
		}
		todo = append(todo, pending{msg: m, decoded: d})
	}
	attempts := 0
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
		culprit := -1
		var cerr *articles.ChangeError
		if errors.As(err, &cerr) && cerr.Index >= 0 && cerr.Index < len(todo) {
			culprit, err = cerr.Index, cerr.Err
		} else if len(todo) == 1 {
			culprit = 0
		}
		exhausted := !transient(err) && attempts+1 >= c.cfg.MaxAttempts
		switch {
		case culprit >= 0 && (permanent(err) || exhausted):
			dead := todo[culprit].msg
			if err := c.deadLetter(ctx, dead, "apply", err); err != nil {
				return err
			}
			todo = slices.DeleteFunc(unapplied(todo, results), func(p pending) bool {
				return p.msg.Partition == dead.Partition && p.msg.Offset == dead.Offset
			})
			attempts = 0
			wait.reset()
			continue
		case culprit < 0 && exhausted:
			// An unexplained failure of the whole batch: find the culprit by
			// applying one change at a time.
			for _, p := range unapplied(todo, results) {
				if err := c.process(ctx, []kafka.Message{p.msg}); err != nil {
					return err
				}
			}
			return nil
		default:
			attempts++
			c.metrics.retries.Inc()
			d := wait.next()
			c.log.Warn("apply failed; retrying", zap.Error(err), zap.Int("changes", len(todo)), zap.Duration("in", d))
			sleep(ctx, d)
		}
		todo = unapplied(todo, results)
	}
	return nil
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

// deadLetter sends m to the dead-letter topic with why it failed, retrying
// until the brokers take it: the partition may move on only then.
func (c *Consumer) deadLetter(ctx context.Context, m kafka.Message, reason string, cause error) error {
	dl := kafka.Message{
		Topic: c.cfg.DLQTopic,
		Key:   m.Key,
		Value: m.Value,
		Headers: append(append([]kafka.Header(nil), m.Headers...),
			kafka.Header{Key: HeaderError, Value: []byte(cause.Error())},
			kafka.Header{Key: HeaderOriginalTopic, Value: []byte(m.Topic)},
			kafka.Header{Key: HeaderOriginalPartition, Value: []byte(strconv.Itoa(m.Partition))},
			kafka.Header{Key: HeaderOriginalOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
			kafka.Header{Key: HeaderFailedAt, Value: []byte(c.now().UTC().Format(time.RFC3339Nano))},
		),
	}
	wait := newBackoff(100*time.Millisecond, 5*time.Second)
	for {
		err := c.dlq.WriteMessages(ctx, dl)
		if err == nil {
			c.metrics.deadLettered.WithLabelValues(reason).Inc()
			c.log.Warn("dead-lettered", zap.String("reason", reason), zap.Error(cause),
				zap.Int("partition", m.Partition), zap.Int64("offset", m.Offset))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.log.Warn("dead-letter write failed; retrying", zap.Error(err))
		sleep(ctx, wait.next())
	}
}

// commit commits the batch's offsets, retrying until it works or ctx ends;
// an uncommitted batch is fetched again later and applied as stale.
func (c *Consumer) commit(ctx context.Context, msgs []kafka.Message) {
	wait := newBackoff(100*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		err := c.reader.CommitMessages(ctx, msgs...)
		if err == nil {
			return
		}
		c.log.Warn("commit failed; retrying", zap.Error(err))
		sleep(ctx, wait.next())
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

package kafkasync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
)

// NewWriter returns a writer set up for safety: the brokers acknowledge a
// message only once all in-sync replicas have it, messages with one key go
// to one partition (the partition the Java client would pick), and
// batches are small in time, large in count, and compressed. The writer
// has no topic: each message names its own. kafka-go's errors go to the
// logger of WithLogger.
func NewWriter(cfg Config, opts ...Option) *kafka.Writer {
	cfg = cfg.WithDefaults()
	return &kafka.Writer{
		Addr:         kafka.TCP(cfg.Brokers...),
		Balancer:     &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll,
		BatchSize:    cfg.RelayBatch,
		// A request holds at most the broker's default message.max.bytes,
		// so no batch is refused for its size.
		BatchBytes:   1 << 20,
		BatchTimeout: 2 * time.Millisecond,
		Compression:  compress.Lz4,
		// Fail a write within a few seconds, well inside the relay's lease,
		// and let the relay retry it.
		MaxAttempts:  3,
		WriteTimeout: 3 * time.Second,
		ReadTimeout:  3 * time.Second,
		// Topics are created explicitly, with their partition count.
		AllowAutoTopicCreation: false,
		ErrorLogger:            errorLogger(optionsOf(opts), "kafkasync.writer"),
	}
}

// NewReader returns a consumer-group reader of cfg.Topic that leaves
// committing to its caller. kafka-go's errors go to the logger of
// WithLogger.
func NewReader(cfg Config, opts ...Option) *kafka.Reader {
	cfg = cfg.WithDefaults()
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:       cfg.Brokers,
		GroupID:       cfg.GroupID,
		Topic:         cfg.Topic,
		MinBytes:      1,
		MaxBytes:      16 << 20,
		MaxWait:       100 * time.Millisecond,
		QueueCapacity: cfg.ConsumerBatch * 2,
		StartOffset:   kafka.FirstOffset,
		// CommitMessages, called once a batch is applied, hands the offsets
		// to a committer that sends them every 100ms: no round trip per
		// batch. A crash loses at most that long of commits; those messages
		// come again and are skipped as stale.
		CommitInterval: 100 * time.Millisecond,
		ReadBackoffMin: 50 * time.Millisecond,
		ReadBackoffMax: time.Second,
		// Rebalance quickly when a consumer joins or leaves. A rebalance
		// gives up on the members that do not join again well within a
		// session: kfake, unlike Apache Kafka, lets the session of a member
		// waiting in a rebalance run out, so a rebalance waiting as long as
		// a session (for a member that is gone) loses every member that
		// did join again, a few milliseconds before it would complete.
		HeartbeatInterval: time.Second,
		SessionTimeout:    cfg.SessionTimeout,
		RebalanceTimeout:  cfg.SessionTimeout / 2,
		JoinGroupBackoff:  500 * time.Millisecond,
		// Added partitions are picked up without a restart.
		WatchPartitionChanges: true,
		ErrorLogger:           errorLogger(optionsOf(opts), "kafkasync.reader"),
	})
}

// errorLogger adapts o's logger to kafka-go's error logger. kafka-go
// reports errors it also retries, so they are warnings.
func errorLogger(o options, name string) kafka.Logger {
	if o.log == nil {
		return nil
	}
	log := o.logger(name).Sugar()
	return kafka.LoggerFunc(func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if routine(msg) {
			log.Debug(msg)
			return
		}
		log.Warn(msg)
	})
}

// routine reports whether kafka-go's message is about a read that timed
// out — what an idle long poll does, and what kafka-go retries at once —
// rather than about something an operator should look at.
func routine(msg string) bool {
	return strings.Contains(msg, "i/o timeout") || strings.Contains(msg, "context deadline exceeded")
}

// EnsureTopics creates cfg.Topic and cfg.DLQTopic with cfg.Partitions
// partitions unless they exist.
func EnsureTopics(ctx context.Context, cfg Config) error {
	cfg = cfg.WithDefaults()
	if len(cfg.Brokers) == 0 {
		return errors.New("kafkasync: no brokers")
	}
	// A transport of its own: kafka-go's default one keeps connections
	// for the process's lifetime, and one to a broker since restarted on
	// the same address fails the first request (unexpected EOF).
	transport := &kafka.Transport{}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second, Transport: transport}
	var topics []kafka.TopicConfig
	for _, t := range []string{cfg.Topic, cfg.DLQTopic} {
		topics = append(topics, kafka.TopicConfig{Topic: t, NumPartitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor})
	}
	resp, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: topics})
	if err != nil {
		return fmt.Errorf("kafkasync: create topics on %v: %w", cfg.Brokers, err)
	}
	names := make([]string, 0, len(topics))
	for topic, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return fmt.Errorf("kafkasync: create topic %s: %w", topic, err)
		}
		names = append(names, topic)
	}
	return awaitLeaders(ctx, client, names)
}

// awaitLeaders waits until every partition of topics has a leader that
// serves it: a new topic's first writes would otherwise meet "not leader"
// errors and retries, which can outlast a publish's deadline and publish
// twice.
func awaitLeaders(ctx context.Context, client *kafka.Client, topics []string) error {
	for {
		meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		if err == nil && led(meta, len(topics)) && answering(ctx, client, meta) {
			return nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = errors.New("partitions without a leader")
			}
			return fmt.Errorf("kafkasync: topics %v not ready: %w", topics, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// answering reports whether every partition's leader answers for it: a
// broker names a new partition's leader in its metadata a little before
// that leader serves it.
func answering(ctx context.Context, client *kafka.Client, meta *kafka.MetadataResponse) bool {
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, t := range meta.Topics {
		for _, p := range t.Partitions {
			req.Topics[t.Name] = append(req.Topics[t.Name], kafka.LastOffsetOf(p.ID))
		}
	}
	res, err := client.ListOffsets(ctx, req)
	if err != nil {
		return false
	}
	for _, parts := range res.Topics {
		for _, p := range parts {
			if p.Error != nil {
				return false
			}
		}
	}
	return true
}

func led(meta *kafka.MetadataResponse, topics int) bool {
	if len(meta.Topics) != topics {
		return false
	}
	for _, t := range meta.Topics {
		if t.Error != nil || len(t.Partitions) == 0 {
			return false
		}
		for _, p := range t.Partitions {
			if p.Error != nil || p.Leader.Host == "" {
				return false
			}
		}
	}
	return true
}

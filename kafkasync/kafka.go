package kafkasync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
)

// NewWriter returns a writer set up for safety: the brokers acknowledge a
// message only once all in-sync replicas have it, messages with one key go
// to one partition (the partition the Java client would pick), and
// batches are small in time, large in count, and compressed. Writes with no
// topic of their own go to cfg.Topic.
func NewWriter(cfg Config) *kafka.Writer {
	cfg = cfg.WithDefaults()
	return &kafka.Writer{
		Addr:         kafka.TCP(cfg.Brokers...),
		Balancer:     &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll,
		BatchSize:    cfg.RelayBatch,
		BatchBytes:   16 << 20,
		BatchTimeout: 2 * time.Millisecond,
		Compression:  compress.Lz4,
		// Fail a write within a few seconds, well inside the relay's lease,
		// and let the relay retry it.
		MaxAttempts:  3,
		WriteTimeout: 3 * time.Second,
		ReadTimeout:  3 * time.Second,
		// Topics are created explicitly, with their partition count.
		AllowAutoTopicCreation: false,
	}
}

// NewReader returns a consumer-group reader of cfg.Topic that leaves
// committing to its caller.
func NewReader(cfg Config) *kafka.Reader {
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
		// Rebalance quickly when a consumer joins or leaves.
		HeartbeatInterval: time.Second,
		SessionTimeout:    10 * time.Second,
		RebalanceTimeout:  10 * time.Second,
		JoinGroupBackoff:  500 * time.Millisecond,
		// Added partitions are picked up without a restart.
		WatchPartitionChanges: true,
	})
}

// EnsureTopics creates cfg.Topic and cfg.DLQTopic with cfg.Partitions
// partitions unless they exist.
func EnsureTopics(ctx context.Context, cfg Config) error {
	cfg = cfg.WithDefaults()
	if len(cfg.Brokers) == 0 {
		return errors.New("kafkasync: no brokers")
	}
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second}
	var topics []kafka.TopicConfig
	for _, t := range []string{cfg.Topic, cfg.DLQTopic} {
		topics = append(topics, kafka.TopicConfig{Topic: t, NumPartitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor})
	}
	resp, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: topics})
	if err != nil {
		return fmt.Errorf("kafkasync: create topics on %v: %w", cfg.Brokers, err)
	}
	for topic, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return fmt.Errorf("kafkasync: create topic %s: %w", topic, err)
		}
	}
	return nil
}

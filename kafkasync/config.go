package kafkasync

import (
	"errors"
	"fmt"
	"time"
)

// Config configures the relay and the consumer. Every field but Brokers
// has a documented default.
type Config struct {
	// Brokers are the Kafka bootstrap addresses (host:port), required:
	// without them the modules fail to start, unless a module such as
	// devbroker.Module provides Brokers.
	Brokers []string `env:"KAFKA_BROKERS" envSeparator:","`
	// Topic carries the events. Default: articles-sync.
	Topic string `env:"KAFKA_TOPIC"`
	// DLQTopic receives dead letters. Default: Topic + ".dlq".
	DLQTopic string `env:"KAFKA_DLQ_TOPIC"`
	// Partitions is the partition count of the topics when they are created
	// here. Default: 6.
	Partitions int `env:"KAFKA_PARTITIONS"`
	// ReplicationFactor of the topics when they are created here. Default: 1.
	ReplicationFactor int `env:"KAFKA_REPLICATION_FACTOR"`
	// GroupID is the consumer group. Default: articlekit-sync.
	GroupID string `env:"KAFKA_GROUP_ID"`
	// Source is the CloudEvents source of published events.
	// Default: urn:articlekit:articles.
	Source string `env:"CLOUDEVENTS_SOURCE"`

	// RelayBatch is how many outbox events the relay publishes at once. Default: 2000.
	RelayBatch int `env:"SYNC_RELAY_BATCH"`
	// RelayPoll is how often the relay looks for new events when nothing
	// wakes it earlier. Default: 50ms.
	RelayPoll time.Duration `env:"SYNC_RELAY_POLL"`
	// RelayLease is how long a relay's claim to publish lasts unless renewed.
	// Default: 10s.
	RelayLease time.Duration `env:"SYNC_RELAY_LEASE"`

	// ConsumerBatch is how many messages the consumer applies at once. Default: 2000.
	ConsumerBatch int `env:"SYNC_CONSUMER_BATCH"`
	// SessionTimeout is how long the group's coordinator waits for a
	// consumer's heartbeat before it takes the consumer for dead and gives
	// its partitions to the others — how long a killed consumer's
	// partitions wait; a rebalance waits half as long for the members to
	// join again. Brokers accept 6s to 5min unless configured otherwise.
	// Default: 10s.
	SessionTimeout time.Duration `env:"SYNC_SESSION_TIMEOUT"`
	// MaxAttempts is how many times a change failing for an unknown reason
	// is tried before it is dead-lettered; an unavailable target is retried
	// without limit. Default: 5.
	MaxAttempts int `env:"SYNC_MAX_ATTEMPTS"`
}

// Defaults.
const (
	DefaultTopic          = "articles-sync"
	DefaultGroupID        = "articlekit-sync"
	DefaultSource         = "urn:articlekit:articles"
	DefaultPartitions     = 6
	DefaultRelayBatch     = 2000
	DefaultRelayPoll      = 50 * time.Millisecond
	DefaultRelayLease     = 10 * time.Second
	DefaultConsumerBatch  = 2000
	DefaultSessionTimeout = 10 * time.Second
	DefaultMaxAttempts    = 5
)

// WithDefaults returns c with every unset field set to its default.
func (c Config) WithDefaults() Config {
	set := func(s *string, def string) {
		if *s == "" {
			*s = def
		}
	}
	setInt := func(n *int, def int) {
		if *n == 0 {
			*n = def
		}
	}
	setDur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	set(&c.Topic, DefaultTopic)
	set(&c.DLQTopic, c.Topic+".dlq")
	set(&c.GroupID, DefaultGroupID)
	set(&c.Source, DefaultSource)
	setInt(&c.Partitions, DefaultPartitions)
	setInt(&c.ReplicationFactor, 1)
	setInt(&c.RelayBatch, DefaultRelayBatch)
	setInt(&c.ConsumerBatch, DefaultConsumerBatch)
	setInt(&c.MaxAttempts, DefaultMaxAttempts)
	setDur(&c.RelayPoll, DefaultRelayPoll)
	setDur(&c.RelayLease, DefaultRelayLease)
	setDur(&c.SessionTimeout, DefaultSessionTimeout)
	return c
}

// Validate reports every invalid field.
func (c Config) Validate() error {
	var errs []error
	for _, n := range []int{c.Partitions, c.ReplicationFactor, c.RelayBatch, c.ConsumerBatch, c.MaxAttempts} {
		if n < 0 {
			errs = append(errs, errors.New("counts must not be negative"))
			break
		}
	}
	if c.RelayPoll < 0 || c.RelayLease < 0 || c.SessionTimeout < 0 {
		errs = append(errs, errors.New("durations must not be negative"))
	}
	if c.Topic != "" && c.Topic == c.DLQTopic {
		errs = append(errs, errors.New("DLQTopic must differ from Topic"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kafkasync: invalid config: %w", err)
	}
	return nil
}

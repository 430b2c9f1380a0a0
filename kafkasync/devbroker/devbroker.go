// Package devbroker runs an in-process, in-memory Kafka-protocol broker on
// 127.0.0.1 — franz-go's kfake — so that development and hermetic tests
// need no infrastructure. It is not Apache Kafka: nothing survives a
// restart and it is not tuned for load. Anywhere else, use real brokers.
//
//	b, err := devbroker.Start()
//	defer b.Close()
//	cfg.Brokers = b.Addrs()
//
// With fx, a program opts in by including Module beside kafkasync's
// modules; the kafkasync modules never start one by themselves.
package devbroker

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/kafkasync"
)

// Broker is a running development broker.
type Broker struct {
	cluster *kfake.Cluster
}

// Start starts a one-node broker on a free port of 127.0.0.1.
func Start() (*Broker, error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		return nil, fmt.Errorf("devbroker: %w", err)
	}
	return &Broker{cluster: c}, nil
}

// Addrs returns the bootstrap addresses (host:port).
func (b *Broker) Addrs() []string { return b.cluster.ListenAddrs() }

// Close stops the broker and forgets everything it held.
func (b *Broker) Close() { b.cluster.Close() }

// Module provides kafkasync.Brokers for kafkasync's modules: when
// kafkasync.Config names no brokers, those of a development broker started
// for the app's lifetime (with a warning in the log); otherwise the
// configured ones, so a program can include Module and still be pointed at
// real brokers.
var Module = fx.Module("devbroker", fx.Provide(provide))

func provide(lc fx.Lifecycle, cfg kafkasync.Config, log *zap.Logger) (kafkasync.Brokers, error) {
	if len(cfg.Brokers) > 0 {
		return kafkasync.Brokers(cfg.Brokers), nil
	}
	// Started now rather than on start: the writer and reader need its
	// address when they are made. It is in memory and starts at once.
	b, err := Start()
	if err != nil {
		return nil, err
	}
	log.Warn("KAFKA_BROKERS is not set: using an embedded development broker (in memory, not Apache Kafka)",
		zap.Strings("addrs", b.Addrs()))
	lc.Append(fx.StopHook(b.Close))
	return kafkasync.Brokers(b.Addrs()), nil
}

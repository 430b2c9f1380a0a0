// Package devbroker runs an in-process, in-memory Kafka-protocol broker on
// 127.0.0.1 — franz-go's kfake — so that development and hermetic tests
// need no infrastructure. It is not Apache Kafka: nothing survives a
// restart and it is not tuned for load. Anywhere else, use real brokers.
//
//	b, err := devbroker.Start()
//	defer b.Close()
//	cfg.Brokers = b.Addrs()
package devbroker

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
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

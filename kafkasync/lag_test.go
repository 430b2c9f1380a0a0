package kafkasync_test

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// The lag counts the partitions the consumer does not hold: another member
// of the group holds some and never commits, and the lag is what it left,
// not the zero of the consumer's own, caught-up partitions.
func TestLagCountsEveryPartition(t *testing.T) {
	f := newFixture(t, false)
	f.startRelay()
	f.churn(400)
	events := f.events()

	// A member that takes its share of the partitions and commits nothing.
	idle := kafka.NewReader(kafka.ReaderConfig{Brokers: f.cfg.Brokers, GroupID: f.cfg.GroupID, Topic: f.cfg.Topic,
		HeartbeatInterval: time.Second, SessionTimeout: 10 * time.Second, RebalanceTimeout: 10 * time.Second})
	t.Cleanup(func() { _ = idle.Close() })
	waitMembers(t, f.cfg.Brokers, f.cfg.GroupID, 1)
	f.startConsumer(nil)

	var lag, consumed, partitions int
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		lag = int(gauge(t, f.reg, "kafkasync_consumer_lag"))
		consumed = f.counter("kafkasync_consumed_events_total", "")
		if consumed > 0 && consumed < events && lag == events-consumed {
			// Measured: the partitions' gauges exist.
			if partitions = int(gauge(t, f.reg, "kafkasync_consumer_partition_lag")); partitions == lag {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("lag %d (by partition %d), want the %d of %d events the consumer did not consume", lag, partitions, events-consumed, events)
		}
	}
	t.Logf("%d of %d events on the idle member's partitions: lag %d", events-consumed, events, lag)
}

// waitMembers waits until group has n members.
func waitMembers(t *testing.T, brokers []string, group string, n int) {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(brokers...)}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := client.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err == nil && len(res.Groups) == 1 && res.Groups[0].GroupState == "Stable" && len(res.Groups[0].Members) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s never had %d members: %+v, %v", group, n, res, err)
		}
	}
}

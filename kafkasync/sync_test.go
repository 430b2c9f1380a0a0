package kafkasync_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/articlekit/articlekit/kafkasync"
)

// 10,000 articles created, some updated and deleted, while the relay and
// the consumer run: B ends equal to A and every change was applied exactly
// once.
func TestSyncTenThousandArticles(t *testing.T) {
	f := newFixture(t, false)
	f.startRelay()
	f.startConsumer(nil)
	f.churn(10_000)
	events := f.events()
	f.waitApplied(events, 3*time.Minute)
	f.assertReplica()
	if stale := f.counter("kafkasync_applied_events_total", "stale"); stale != 0 {
		t.Errorf("%d changes were delivered twice without any fault", stale)
	}
	if applied := f.counter("kafkasync_applied_events_total", "applied"); applied != events {
		t.Fatalf("applied %d changes, want exactly the %d A recorded", applied, events)
	}
	if f.pending() != 0 {
		t.Fatalf("%d outbox events still pending", f.pending())
	}
}

// Several relays over one outbox: one publishes at a time, nothing is
// published twice, and each article's events stay in order.
func TestSeveralRelays(t *testing.T) {
	f := newFixture(t, false)
	for i := range 3 {
		relay := kafkasync.NewRelay(f.srcStore.Outbox(), f.writer, f.cfg, kafkasync.WithLogger(f.log), kafkasync.WithMetrics(f.metrics))
		f.run(fmt.Sprint("relay-", i), relay.Run)
	}
	f.startConsumer(nil)
	f.churn(3000)
	f.waitAll(2 * time.Minute)
	if stale := f.counter("kafkasync_applied_events_total", "stale"); stale != 0 {
		t.Fatalf("%d events were published twice by competing relays", stale)
	}
	if relayed := f.counter("kafkasync_relayed_events_total", ""); relayed != f.events() {
		t.Fatalf("relayed %d events, want each of the %d once", relayed, f.events())
	}
}

// A leader that cannot reach the brokers hands the lease over once it has
// failed for longer than the lease, and a relay that can reach them
// publishes everything.
func TestFailingLeaderHandsOver(t *testing.T) {
	f := newFixture(t, false)
	unreachable := f.cfg
	unreachable.Brokers = []string{"127.0.0.1:1"}
	deadWriter := kafkasync.NewWriter(unreachable)
	t.Cleanup(func() { _ = deadWriter.Close() })
	regA := prometheus.NewRegistry()
	metricsA, err := kafkasync.NewMetrics(regA)
	if err != nil {
		t.Fatal(err)
	}
	f.run("relay-cut-off", kafkasync.NewRelay(f.srcStore.Outbox(), deadWriter, f.cfg, kafkasync.WithLogger(f.log),
		kafkasync.WithMetrics(metricsA)).Run)
	for gauge(t, regA, "kafkasync_relay_leader") != 1 {
		time.Sleep(10 * time.Millisecond)
	}

	f.churn(200)
	f.startRelay()
	f.startConsumer(nil)
	f.waitAll(time.Minute)
	if n := gauge(t, regA, "kafkasync_relay_errors_total"); n == 0 {
		t.Fatal("the cut-off relay never tried to publish")
	}
}

// gauge reads a gauge or counter in reg: the sum of its samples, when it
// has labels.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

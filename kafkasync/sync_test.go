package kafkasync_test

import (
	"testing"
	"time"
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

package kafkasync_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/kafkasync"
)

// eventFor encodes article a at its version as the relay would.
func eventFor(t *testing.T, typ articles.ChangeType, a articles.Article) kafka.Message {
	t.Helper()
	payload, _ := json.Marshal(a)
	id, _ := uuid.NewV7()
	msg, err := kafkasync.Encode(kafkasync.DefaultSource, articles.Event{ID: id.String(), ArticleID: a.ID,
		Version: a.Version, Type: typ, Payload: payload, CreatedAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func (f *fixture) produce(msgs ...kafka.Message) {
	f.t.Helper()
	for i := range msgs {
		msgs[i].Topic = f.cfg.Topic
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := f.writer.WriteMessages(ctx, msgs...); err != nil {
		f.t.Fatal(err)
	}
}

// Poison messages go to the dead-letter topic with the reason and their
// coordinates, and the partition keeps flowing; out-of-order and duplicate
// deliveries are skipped as stale.
func TestPoisonOrderingAndDuplicates(t *testing.T) {
	f := newFixture(t, false)
	f.startConsumer(nil)
	art := func(v int64, title string) articles.Article {
		return articles.Article{ID: 42, Title: title, Tags: []string{}, Version: v}
	}
	key := []byte("42") // one partition for all of them
	badType := eventFor(t, articles.Updated, art(9, "x"))
	badType.Value = []byte(string(badType.Value[:len(badType.Value)-1]) + `,"type":"article.renamed"}`)
	wrongSubject := eventFor(t, articles.Updated, art(9, "x"))
	wrongSubject.Value = []byte(strings.Replace(string(wrongSubject.Value), `"subject":"42"`, `"subject":"43"`, 1))
	invalid := eventFor(t, articles.Updated, art(9, "")) // an empty title: the target refuses it for good
	f.produce(
		eventFor(t, articles.Updated, art(2, "v2")),
		kafka.Message{Key: key, Value: []byte("not json at all")},
		badType,
		wrongSubject,
		invalid,
		eventFor(t, articles.Created, art(1, "v1 late")),  // older: stale
		eventFor(t, articles.Updated, art(2, "v2 again")), // duplicate: stale
		eventFor(t, articles.Updated, art(3, "v3")),
	)
	f.waitApplied(2, time.Minute)
	for f.counter("kafkasync_applied_events_total", "stale") < 2 {
		time.Sleep(20 * time.Millisecond)
	}
	got, err := f.dst.Get(context.Background(), 42)
	if err != nil || got.Title != "v3" || got.Version != 3 {
		t.Fatalf("article 42 in B = %+v, %v; want v3", got, err)
	}
	if n := f.counter("kafkasync_dead_lettered_events_total", "decode"); n != 3 {
		t.Errorf("dead-lettered for decoding: %d, want 3", n)
	}
	if n := f.counter("kafkasync_dead_lettered_events_total", "apply"); n != 1 {
		t.Errorf("dead-lettered for applying: %d, want 1", n)
	}

	// The dead letters keep the message and say where it came from and why.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: f.cfg.Brokers, Topic: f.cfg.DLQTopic, GroupID: "dlq-check",
		StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var reasons []string
	for range 4 {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h := map[string]string{}
		for _, kv := range m.Headers {
			h[kv.Key] = string(kv.Value)
		}
		offset, err := strconv.ParseInt(h[kafkasync.HeaderOriginalOffset], 10, 64)
		if err != nil || h[kafkasync.HeaderOriginalTopic] != f.cfg.Topic || h[kafkasync.HeaderOriginalPartition] == "" ||
			h[kafkasync.HeaderError] == "" || h[kafkasync.HeaderFailedAt] == "" || offset < 1 || string(m.Key) != "42" {
			t.Fatalf("dead letter %q headers %v", m.Value, h)
		}
		reasons = append(reasons, h[kafkasync.HeaderError])
	}
	t.Logf("dead-letter reasons: %q", reasons)
}

// Backfill republishes A's current state, tombstones included, so that a
// new target catches up without the history.
func TestBackfill(t *testing.T) {
	f := newFixture(t, false)
	f.churn(500)
	// The history was published long ago (to someone else).
	var seqs []int64
	for {
		events, err := f.srcStore.Outbox().Pending(context.Background(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) == 0 {
			break
		}
		for _, ev := range events {
			seqs = append(seqs, ev.Seq)
		}
		if err := f.srcStore.Outbox().MarkPublished(context.Background(), time.Now(), seqs[len(seqs)-len(events):]...); err != nil {
			t.Fatal(err)
		}
	}
	f.startConsumer(nil)
	n, err := kafkasync.Backfill(context.Background(), f.src, f.writer, f.cfg)
	if err != nil || n != 500 {
		t.Fatalf("Backfill = %d, %v; want 500 articles", n, err)
	}
	f.waitApplied(500, time.Minute)
	f.assertReplica()
}

// An outbox event that cannot be encoded (its row was damaged) goes to the
// dead-letter topic as stored, and the events behind it are published.
func TestRelayDeadLettersDamagedOutboxEvents(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	damaged := articlestest.MustCreate(t, f.src, articles.Draft{Title: "damaged"})
	articlestest.MustCreate(t, f.src, articles.Draft{Title: "fine"})
	if _, err := f.srcStore.DB().Write.NewUpdate().Table("article_outbox").
		Set("payload = ?", "{truncated").Where("article_id = ?", damaged.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f.startRelay()
	f.startConsumer(nil)
	f.waitApplied(1, time.Minute)
	if n := f.counter("kafkasync_dead_lettered_events_total", "encode"); n != 1 {
		t.Errorf("dead-lettered for encoding: %d, want 1", n)
	}
	if _, err := f.dst.Get(ctx, damaged.ID); err == nil {
		t.Error("the damaged event reached B")
	}
	if p := f.pending(); p != 0 {
		t.Errorf("%d outbox events still pending", p)
	}

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: f.cfg.Brokers, Topic: f.cfg.DLQTopic, GroupID: "dlq-check",
		StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := r.ReadMessage(rctx)
	if err != nil {
		t.Fatal(err)
	}
	var reason string
	for _, h := range m.Headers {
		if h.Key == kafkasync.HeaderError {
			reason = string(h.Value)
		}
	}
	if string(m.Value) != "{truncated" || string(m.Key) != strconv.FormatInt(damaged.ID, 10) || !strings.Contains(reason, "not JSON") {
		t.Fatalf("dead letter key %q value %q reason %q", m.Key, m.Value, reason)
	}
}

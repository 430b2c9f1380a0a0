package devbroker_test

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
)

// The broker lets go of messages past its retention, so that a program
// left running does not grow without bound.
func TestRetention(t *testing.T) {
	b, err := devbroker.Start(devbroker.WithRetention(200*time.Millisecond, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := kafkasync.Config{Brokers: b.Addrs(), Topic: "retained", Partitions: 1}
	if err := kafkasync.EnsureTopics(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	w := kafkasync.NewWriter(cfg)
	defer w.Close()
	for range 3 {
		if err := w.WriteMessages(ctx, kafka.Message{Topic: "retained", Key: []byte("k"), Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
	}
	client := &kafka.Client{Addr: kafka.TCP(b.Addrs()...)}
	first := func() int64 {
		res, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{
			Topics: map[string][]kafka.OffsetRequest{"retained": {kafka.FirstOffsetOf(0)}}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Topics["retained"][0].FirstOffset
	}
	if start := first(); start != 0 {
		t.Fatalf("log start %d before retention, want 0", start)
	}
	for first() < 3 {
		if ctx.Err() != nil {
			t.Fatal("the broker kept its messages past their retention")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

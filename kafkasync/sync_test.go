package kafkasync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/kafkasync"
)

func TestSmokeDevBroker(t *testing.T) {
	brokers := startBroker(t)
	cfg := kafkasync.Config{Brokers: brokers.addrs(), Topic: "smoke", GroupID: "smoke", Partitions: 3}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := kafkasync.EnsureTopics(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	src := articlestest.NewService(t, "sqlite://"+t.TempDir()+"/a.db")
	dst := articlestest.NewService(t, "sqlite://"+t.TempDir()+"/b.db")
	log := zaptest.NewLogger(t)
	w := kafkasync.NewWriter(cfg)
	defer w.Close()
	relay := kafkasync.NewRelay(src.Store().Outbox(), w, cfg, log)
	reader := kafkasync.NewReader(cfg)
	defer reader.Close()
	consumer := kafkasync.NewConsumer(reader, w, dst, cfg, log)
	go relay.Run(ctx)
	go consumer.Run(ctx)
	for i := range 50 {
		a, err := src.Create(ctx, articles.Draft{Title: fmt.Sprint("t", i)})
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			_ = src.Delete(ctx, a.ID, 0)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		pa, _ := src.List(ctx, articles.ListQuery{Limit: 1000})
		pb, _ := dst.List(ctx, articles.ListQuery{Limit: 1000})
		if pa.Total == pb.Total && pa.Total > 0 {
			t.Logf("synced %d", pb.Total)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not synced: %d vs %d", pa.Total, pb.Total)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

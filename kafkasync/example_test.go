package kafkasync_test

import (
	"context"
	"fmt"
	"time"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
)

// openService opens a migrated in-memory database.
func openService(ctx context.Context) (*articles.Store, *articles.Service) {
	store, err := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://:memory:"})
	if err != nil {
		panic(err)
	}
	if err := store.Migrate(ctx); err != nil {
		panic(err)
	}
	return store, articles.NewService(store)
}

// A relay publishes database A's outbox; a consumer applies it to B.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	broker, err := devbroker.Start() // or real brokers
	if err != nil {
		panic(err)
	}
	defer broker.Close()
	cfg := kafkasync.Config{Brokers: broker.Addrs(), Topic: "example-sync", GroupID: "example"}
	if err := kafkasync.EnsureTopics(ctx, cfg); err != nil {
		panic(err)
	}
	storeA, a := openService(ctx)
	defer storeA.Close()
	storeB, b := openService(ctx)
	defer storeB.Close()

	writer := kafkasync.NewWriter(cfg)
	defer writer.Close()
	reader := kafkasync.NewReader(cfg)
	defer reader.Close()
	relay := kafkasync.NewRelay(storeA.Outbox(), writer, cfg, kafkasync.WithChangeFeed(a))
	consumer := kafkasync.NewConsumer(reader, writer, b, cfg)
	run, stop := context.WithCancel(ctx)
	defer stop()
	go relay.Run(run)
	go consumer.Run(run)

	created, _ := a.Create(ctx, articles.Draft{Title: "Hello", Author: "ada"})
	for {
		if got, err := b.Get(ctx, created.ID); err == nil {
			fmt.Println("B has", got.Title, "by", got.Author, "at version", got.Version)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Output: B has Hello by ada at version 1
}

// Every event is a CloudEvents 1.0 message keyed by article id.
func ExampleEncode() {
	at := time.Date(2026, 11, 26, 3, 29, 55, 0, time.UTC)
	payload := []byte(`{"id":42,"title":"Hello","content":"","author":"ada","tags":[],` +
		`"created_at":"2026-11-26T03:29:55Z","updated_at":"2026-11-26T03:29:55Z","version":1}`)
	msg, err := kafkasync.Encode(kafkasync.DefaultSource, articles.Event{ID: "019ac3a2-5b1e-7c4d-9f2a-6d1e8b7a3c40",
		ArticleID: 42, Version: 1, Type: articles.Created, Payload: payload, CreatedAt: at})
	if err != nil {
		panic(err)
	}
	fmt.Println("key", string(msg.Key), msg.Headers[0].Key, string(msg.Headers[0].Value))
	d, err := kafkasync.Decode(msg)
	fmt.Println(d.Change.Type, d.Change.Article.ID, d.Change.Article.Title, err)
	// Output:
	// key 42 content-type application/cloudevents+json
	// created 42 Hello <nil>
}

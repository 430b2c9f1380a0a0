// Package kafkasync carries article changes from one database to another
// through Apache Kafka, without losing or double-applying any.
//
// The Relay reads the transactional outbox of the source database (an
// Outbox, such as *articles.Outbox) in order and publishes each event to the topic
// articles-sync as a CloudEvents 1.0 JSON message keyed by article id, so
// that one article's events stay in order on one partition. It marks events
// published only after the brokers acknowledged them (acks=all): a crash in
// between publishes them again, never loses them. Several relays may run:
// a lease in the database lets one publish at a time.
//
// The Consumer reads the topic in a consumer group, applies each change
// through an Applier — articles.Service.ApplyBatch on the target database,
// or the target's REST API (RESTApplier) — and commits offsets only after.
// Applying is version-guarded, so redelivered and out-of-order events are
// skipped as stale: every change is applied exactly once. A message that
// cannot be decoded, or a change the target refuses for good, goes to
// articles-sync.dlq with the error and its original coordinates in
// headers, and the partition moves on; an unavailable target is retried
// until it is back.
//
// Backfill republishes every article's current state, for a new target.
//
// Without fx:
//
//	writer := kafkasync.NewWriter(cfg, kafkasync.WithLogger(log))
//	relay := kafkasync.NewRelay(store.Outbox(), writer, cfg, kafkasync.WithChangeFeed(svc))
//	go relay.Run(ctx)
//	reader := kafkasync.NewReader(cfg)
//	consumer := kafkasync.NewConsumer(reader, writer, targetService, cfg)
//	go consumer.Run(ctx)
//
// With fx, include Module (relay and consumer), or RelayModule or
// ConsumerModule alone, and provide the consumer's Applier. They need
// Config.Brokers; a program that wants an embedded Kafka-protocol broker
// for development includes devbroker.Module.
package kafkasync

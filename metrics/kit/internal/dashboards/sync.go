package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

func sync() *dashboard.DashboardBuilder {
	return newDashboard("articlekit-sync", "ArticleKit / Kafka sync",
		"Changes from database A to database B through Kafka: the outbox and its relay, the consumer and the target, dead letters, and the end-to-end delay.", false).
		WithRow(row("Outbox and relay: database A → Kafka")).
		WithPanel(graph("Relayed events", "Outbox events published to Kafka and acknowledged, per second.", "ops",
			q(`sum by (instance) (rate(kafkasync_relayed_events_total{$sel}[$__rate_interval]))`, "{{instance}}")).Span(8)).
		WithPanel(graph("Relay errors", "Failed attempts to publish a batch, per second (the relay retries them).", "ops",
			q(`sum by (instance) (rate(kafkasync_relay_errors_total{$sel}[$__rate_interval]))`, "{{instance}}")).Span(8)).
		WithPanel(states("Relay leader", "Which relay holds the publishing lease: one at a time publishes, another takes over when the lease lapses.",
			q(`kafkasync_relay_leader{$sel}`, "{{job}} {{instance}}")).Span(8)).
		WithPanel(graph("Outbox pending", "Changes committed in A and not yet published.", "short",
			q(`max by (job) (articles_outbox_pending_events{$sel})`, "{{job}}"))).
		WithPanel(withLines(graph("Oldest pending change", "Age of the oldest unpublished outbox event; the alert warns after 5 minutes above 60s.", "s",
			q(`max by (job) (articles_outbox_oldest_pending_age_seconds{$sel})`, "{{job}}")),
			at(60, "orange"))).
		WithRow(row("Consumer: Kafka → database B")).
		WithPanel(graph("Consumed and applied", "Messages fetched per second, and changes given to the target by result: applied, or stale (already there: a redelivery or an older version).", "ops",
			q(`sum(rate(kafkasync_consumed_events_total{$sel}[$__rate_interval]))`, "consumed"),
			q(`sum by (result) (rate(kafkasync_applied_events_total{$sel}[$__rate_interval]))`, "{{result}}"))).
		WithPanel(withLines(graph("Consumer lag", "Messages between the consumer's position and the ends of its partitions; the alert warns after 10 minutes above 1000.", "short",
			q(`sum by (instance) (kafkasync_consumer_lag{$sel})`, "{{instance}}")),
			at(1000, "orange"))).
		WithPanel(graph("Dead letters by reason", "Messages sent to the dead-letter topic per second: encode (the relay could not encode an event), decode (not an article CloudEvent), apply (the target refused the change, or it kept failing).", "ops",
			q(`sum by (reason) (rate(kafkasync_dead_lettered_events_total{$sel}[$__rate_interval]))`, "{{reason}}"))).
		WithPanel(graph("Apply retries", "Retries of changes the target could not apply yet (its database or REST API unavailable), per second: the sync waits, it does not dead-letter them.", "ops",
			q(`sum by (instance) (rate(kafkasync_apply_retries_total{$sel}[$__rate_interval]))`, "{{instance}}"))).
		WithRow(row("Delay: change in A → applied in B")).
		WithPanel(distribution("Sync delay", "Time from each change in the source to its application in the target, per bucket of the histogram.", "s",
			`sum by (le) (increase(kafkasync_sync_delay_seconds_bucket{$sel}[$__rate_interval]))`)).
		WithPanel(withLines(graph("Sync delay percentiles", "p50 and p99 of the sync delay; the alert warns after 10 minutes of a p99 above 10s.", "s",
			q(quantile(0.99, `kafkasync_sync_delay_seconds_bucket{$sel}`), "p99"),
			q(quantile(0.5, `kafkasync_sync_delay_seconds_bucket{$sel}`), "p50")),
			at(10, "orange")))
}

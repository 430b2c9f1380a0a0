package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

func rest() *dashboard.DashboardBuilder {
	return newDashboard("articlekit-rest", "ArticleKit / REST API",
		"The REST API by route template: traffic, errors, latency, and the article store behind it.", false).
		WithRow(row("Traffic")).
		WithPanel(graph("Requests by route", "Requests per second by method and route template (unmatched: no route matched).", "reqps",
			q(`sum by (method, route) (rate(http_requests_total{server="rest", $sel}[$__rate_interval]))`, "{{method}} {{route}}"))).
		WithPanel(graph("Responses by status", "Answers per second by status code.", "reqps",
			q(`sum by (status) (rate(http_requests_total{server="rest", $sel}[$__rate_interval]))`, "{{status}}"))).
		WithPanel(graph("In flight", "Requests being served, change streams included.", "short",
			q(`sum by (instance) (http_requests_in_flight{server="rest", $sel})`, "{{instance}}"))).
		WithPanel(graph("Client errors by route", "4xx answers per second by route and status: refused input, missing articles, version conflicts, unmet preconditions.", "reqps",
			q(`sum by (route, status) (rate(http_requests_total{server="rest", status=~"4..", $sel}[$__rate_interval]))`, "{{status}} {{route}}"))).
		WithRow(row("Errors")).
		WithPanel(withLines(graph("Server errors by route", "Share of each route's requests answered 5xx. The objective allows 0.1% overall.", "percentunit",
			q(ratio(`http_requests_total{server="rest", status=~"5..", $sel}`, `http_requests_total{server="rest", $sel}`, "method, route"), "{{method}} {{route}}")),
			at(errorBudget, "red"))).
		WithPanel(sli("Share of API requests answered 5xx",
			q(`job_server:http_request_errors:ratio_rate5m{server="rest", job=~"$job"}`, "5m {{job}}"),
			q(`job_server:http_request_errors:ratio_rate1h{server="rest", job=~"$job"}`, "1h {{job}}"))).
		WithRow(row("Latency")).
		WithPanel(graph("p99 by route", "99th percentile of request duration by route (the change stream left out: it lasts as long as its client listens).", "s",
			q(quantile(0.99, `http_request_duration_seconds_bucket{`+restTimed+`, $sel}`, "method", "route"), "{{method}} {{route}}"))).
		WithPanel(graph("p50 by route", "Median request duration by route.", "s",
			q(quantile(0.5, `http_request_duration_seconds_bucket{`+restTimed+`, $sel}`, "method", "route"), "{{method}} {{route}}"))).
		WithPanel(distribution("Request durations", "How long the API's requests took (every route but the change stream and the probes), per bucket of the histogram.", "s",
			`sum by (le) (increase(http_request_duration_seconds_bucket{`+restTimed+`, $sel}[$__rate_interval]))`)).
		WithPanel(graph("Mean duration by route", "Mean request duration by route, over the rate interval.", "s",
			q(`sum by (method, route) (rate(http_request_duration_seconds_sum{`+restTimed+`, $sel}[$__rate_interval]))
/ sum by (method, route) (rate(http_request_duration_seconds_count{`+restTimed+`, $sel}[$__rate_interval]))`, "{{method}} {{route}}"))).
		WithRow(row("Article store")).
		WithPanel(single("Articles", "Live (not deleted) articles in the store.", "short",
			q(`max(articles_stored{$sel})`, "articles"))).
		WithPanel(single("Change-feed subscribers", "Open subscriptions to the store's change feed (change streams, GraphQL subscriptions, the relay's wake-up).", "short",
			q(`sum(articles_change_subscribers{$sel})`, "subscribers"))).
		WithPanel(single("Outbox pending", "Changes waiting in the outbox for the relay to publish.", "short",
			q(`max(articles_outbox_pending_events{$sel})`, "pending"))).
		WithPanel(single("Oldest pending change", "Age of the oldest unpublished outbox event.", "s",
			q(`max(articles_outbox_oldest_pending_age_seconds{$sel})`, "age")).
			Thresholds(thresholds(at(60, "red")))).
		WithPanel(graph("Changes by type", "Article changes committed per second: created, updated, deleted.", "ops",
			q(`sum by (type) (rate(articles_changes_total{$sel}[$__rate_interval]))`, "{{type}}"))).
		WithPanel(graph("Replicated changes by result", "Changes given to this store's Apply per second (on a sync target): applied, or stale (already there).", "ops",
			q(`sum by (result) (rate(articles_replicated_changes_total{$sel}[$__rate_interval]))`, "{{result}}")))
}

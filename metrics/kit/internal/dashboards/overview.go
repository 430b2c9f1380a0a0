package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// The REST API's own traffic, without the scrapes and probes; for
// latency also without the change stream, whose requests last as long as
// their clients listen. The recording rules select the same.
const (
	restAPI     = `server="rest", route!~"/metrics|/health|/ready"`
	restTimed   = `server="rest", route!~"/metrics|/health|/ready|/articles/changes"`
	errorBudget = 0.001 // 1 - the 99.9% objective
)

// The burn rates of the alerts: 2% of a 30-day budget in an hour, 5% in
// six hours.
const (
	fastBurn = 14.4
	slowBurn = 6
)

func overview() *dashboard.DashboardBuilder {
	jobs := `job=~"$job"`
	return newDashboard("articlekit-overview", "ArticleKit / Overview",
		"Every ArticleKit component at a glance: the objective (99.9% of API requests succeed), rate, errors and duration of each API, the Kafka sync's health and the ETL's.", true).
		WithRow(row("Service level: 99.9% of API requests succeed")).
		WithPanel(single("REST error ratio (1h)",
			"Share of REST API requests answered 5xx over the last hour, of the worst job (recording rule job_server:http_request_errors:ratio_rate1h). Orange from the slow-burn threshold (6 × 0.1%), red from the fast-burn one (14.4 × 0.1%).",
			"percentunit", q(`max(job_server:http_request_errors:ratio_rate1h{server="rest", `+jobs+`})`, "REST")).
			Thresholds(thresholds(at(slowBurn*errorBudget, "orange"), at(fastBurn*errorBudget, "red")))).
		WithPanel(single("GraphQL error ratio (1h)",
			"Share of GraphQL queries and mutations that failed with a server-side error (INTERNAL_SERVER_ERROR, UNAVAILABLE, TIMEOUT) over the last hour.",
			"percentunit", q(`max(job:graphql_operation_errors:ratio_rate1h{`+jobs+`})`, "GraphQL")).
			Thresholds(thresholds(at(slowBurn*errorBudget, "orange"), at(fastBurn*errorBudget, "red")))).
		WithPanel(single("Gateway error ratio (1h)",
			"Share of the gateway's requests answered 5xx over the last hour (refusals — 401, 403, 429 — are not errors).",
			"percentunit", q(`max(job:gateway_request_errors:ratio_rate1h{`+jobs+`})`, "gateway")).
			Thresholds(thresholds(at(slowBurn*errorBudget, "orange"), at(fastBurn*errorBudget, "red")))).
		WithPanel(single("Alerts firing",
			"ArticleKit alerts firing now (the README's Monitoring section has a runbook for each).",
			"short", q(`count(ALERTS{alertstate="firing", `+jobs+`}) or vector(0)`, "firing")).
			Thresholds(thresholds(at(1, "red")))).
		WithPanel(withLines(graph("Error budget burn rate (1h)",
			"How many times faster than the objective allows each API spends its error budget, over the last hour: 1 spends it in exactly 30 days. The fast-burn alert needs 14.4 (and the last 5 minutes agreeing), the slow-burn one 6 over 6 hours.",
			"short",
			q(`job_server:http_request_errors:ratio_rate1h{server="rest", `+jobs+`} / 0.001`, "REST {{job}}"),
			q(`job:graphql_operation_errors:ratio_rate1h{`+jobs+`} / 0.001`, "GraphQL {{job}}"),
			q(`job:gateway_request_errors:ratio_rate1h{`+jobs+`} / 0.001`, "gateway {{job}}")),
			at(slowBurn, "orange"), at(fastBurn, "red"))).
		WithPanel(states("Scrape targets",
			"Whether Prometheus reaches each ArticleKit target (up). A target that is down shows nothing else either.",
			q(`up{`+jobs+`}`, "{{job}} {{instance}}"))).
		WithRow(row("REST API")).
		WithPanel(graph("REST requests", "API requests served per second (scrapes and probes left out).", "reqps",
			q(`sum by (job) (rate(http_requests_total{`+restAPI+`, `+jobs+`}[$__rate_interval]))`, "{{job}}")).Span(8)).
		WithPanel(graph("REST errors", "Share of API requests answered 5xx, over 5 minutes.", "percentunit",
			q(`job_server:http_request_errors:ratio_rate5m{server="rest", `+jobs+`}`, "{{job}}")).Span(8)).
		WithPanel(graph("REST duration", "p99 over 5 minutes (recording rule) and p50 over the rate interval of the API's requests, the change stream left out.", "s",
			q(`job_server:http_request_duration_seconds:p99_rate5m{server="rest", `+jobs+`}`, "p99 {{job}}"),
			q(quantile(0.5, `http_request_duration_seconds_bucket{`+restTimed+`, `+jobs+`}`, "job"), "p50 {{job}}")).Span(8)).
		WithRow(row("GraphQL")).
		WithPanel(graph("GraphQL operations", "Queries and mutations answered per second.", "ops",
			q(`job:graphql_operations:rate5m{`+jobs+`}`, "{{job}}")).Span(8)).
		WithPanel(graph("GraphQL errors", "Share of queries and mutations that failed with a server-side error, over 5 minutes.", "percentunit",
			q(`job:graphql_operation_errors:ratio_rate5m{`+jobs+`}`, "{{job}}")).Span(8)).
		WithPanel(graph("GraphQL duration", "p99 over 5 minutes and p50 over the rate interval of queries and mutations.", "s",
			q(`job:graphql_operation_duration_seconds:p99_rate5m{`+jobs+`}`, "p99 {{job}}"),
			q(quantile(0.5, `graphql_operation_duration_seconds_bucket{`+jobs+`}`, "job"), "p50 {{job}}")).Span(8)).
		WithRow(row("API gateway")).
		WithPanel(graph("Gateway requests", "Requests the gateway answered per second, refusals included.", "reqps",
			q(`sum by (job) (rate(gateway_requests_total{`+jobs+`}[$__rate_interval]))`, "{{job}}")).Span(6)).
		WithPanel(graph("Gateway errors", "Share of requests answered 5xx, over 5 minutes.", "percentunit",
			q(`job:gateway_request_errors:ratio_rate5m{`+jobs+`}`, "{{job}}")).Span(6)).
		WithPanel(graph("Upstream duration p99", "p99 of one attempt on each upstream, to its response headers, over 5 minutes.", "s",
			q(`job_upstream:gateway_upstream_duration_seconds:p99_rate5m{`+jobs+`}`, "{{upstream}}")).Span(6)).
		WithPanel(single("Upstream targets taking requests", "Targets in rotation (healthy, not suspended) of all the gateway's upstreams.", "percentunit",
			q(`sum(gateway_upstream_up{`+jobs+`}) / count(gateway_upstream_up{`+jobs+`})`, "in rotation")).
			Thresholds(thresholds(at(0, "red"), at(0.5, "orange"), at(1, "green"))).Height(8)).
		WithRow(row("Kafka sync")).
		WithPanel(graph("Oldest unpublished outbox event", "Age of the oldest change the relay has not published yet; about 0 while the relay keeps up.", "s",
			q(`max by (job) (articles_outbox_oldest_pending_age_seconds{`+jobs+`})`, "{{job}}")).Span(6)).
		WithPanel(graph("Consumer lag", "Messages between the consumer's position and the ends of its partitions.", "short",
			q(`sum by (job) (kafkasync_consumer_lag{`+jobs+`})`, "{{job}}")).Span(6)).
		WithPanel(graph("Sync delay p99", "Time from a change in the source to its application in the target, p99 over 5 minutes.", "s",
			q(`job:kafkasync_sync_delay_seconds:p99_rate5m{`+jobs+`}`, "{{job}}")).Span(6)).
		WithPanel(single("Dead letters", "Messages sent to the dead-letter topic in the dashboard's time range: changes that are not in the target.", "short",
			q(`sum(increase(kafkasync_dead_lettered_events_total{`+jobs+`}[$__range]))`, "dead-lettered")).
			Thresholds(thresholds(at(1, "red"))).Height(8)).
		WithRow(row("ETL")).
		WithPanel(single("Runs by outcome", "Pipeline runs finished in the dashboard's time range.", "short",
			q(`sum by (outcome) (increase(etl_runs_total{`+jobs+`}[$__range]))`, "{{outcome}}")).Height(8)).
		WithPanel(single("Since the last success", "Time since each pipeline last finished a run successfully.", "s",
			q(`time() - max by (pipeline) (etl_last_success_timestamp_seconds{`+jobs+`})`, "{{pipeline}}")).
			Thresholds(thresholds(at(180, "red"))).Height(8)).
		WithPanel(single("Rows rejected", "Rows the pipelines' steps rejected in the dashboard's time range.", "short",
			q(`sum(increase(etl_rows_rejected_total{`+jobs+`}[$__range]))`, "rejected")).Height(8)).
		WithPanel(graph("Run duration p99", "p99 of the pipelines' run durations over the rate interval.", "s",
			q(quantile(0.99, `etl_run_duration_seconds_bucket{`+jobs+`}`, "pipeline"), "{{pipeline}}")).Span(6))
}

package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// graphqlTimed are the operations with a duration: queries and mutations
// (a subscription's events are counted, not timed).
const graphqlTimed = `type=~"query|mutation"`

// graphqlServerError are the outcomes that count against the objective:
// the server's failures, not the client's (BAD_USER_INPUT, NOT_FOUND, …).
const graphqlServerError = `outcome=~"INTERNAL_SERVER_ERROR|UNAVAILABLE|TIMEOUT|error"`

func graphql() *dashboard.DashboardBuilder {
	return newDashboard("articlekit-graphql", "ArticleKit / GraphQL",
		"The GraphQL API by operation (its root fields): traffic, outcomes, latency, subscriptions, and its HTTP server.", false).
		WithRow(row("Operations")).
		WithPanel(graph("Operations by root field", "Responses per second by operation (root fields, several joined by +; unknown: the document did not parse) and type.", "ops",
			q(`sum by (operation, type) (rate(graphql_operations_total{$sel}[$__rate_interval]))`, "{{type}} {{operation}}"))).
		WithPanel(graph("Outcomes", "Responses per second by outcome: ok, or the first error's code.", "ops",
			q(`sum by (outcome) (rate(graphql_operations_total{$sel}[$__rate_interval]))`, "{{outcome}}"))).
		WithPanel(withLines(graph("Server errors by operation", "Share of each query's and mutation's responses that failed on the server's side (INTERNAL_SERVER_ERROR, UNAVAILABLE, TIMEOUT).", "percentunit",
			q(ratio(`graphql_operations_total{`+graphqlTimed+`, `+graphqlServerError+`, $sel}`, `graphql_operations_total{`+graphqlTimed+`, $sel}`, "operation"), "{{operation}}")),
			at(errorBudget, "red"))).
		WithPanel(sli("Share of queries and mutations failing on the server's side",
			q(`job:graphql_operation_errors:ratio_rate5m{job=~"$job"}`, "5m {{job}}"),
			q(`job:graphql_operation_errors:ratio_rate1h{job=~"$job"}`, "1h {{job}}"))).
		WithRow(row("Latency")).
		WithPanel(graph("p99 by operation", "99th percentile of query and mutation durations by operation.", "s",
			q(quantile(0.99, `graphql_operation_duration_seconds_bucket{$sel}`, "operation"), "{{operation}}"))).
		WithPanel(graph("p50 by operation", "Median query and mutation duration by operation.", "s",
			q(quantile(0.5, `graphql_operation_duration_seconds_bucket{$sel}`, "operation"), "{{operation}}"))).
		WithPanel(distribution("Operation durations", "How long queries and mutations took, per bucket of the histogram.", "s",
			`sum by (le) (increase(graphql_operation_duration_seconds_bucket{$sel}[$__rate_interval]))`)).
		WithPanel(graph("Mean duration by operation", "Mean query and mutation duration by operation.", "s",
			q(`sum by (operation) (rate(graphql_operation_duration_seconds_sum{$sel}[$__rate_interval]))
/ sum by (operation) (rate(graphql_operation_duration_seconds_count{$sel}[$__rate_interval]))`, "{{operation}}"))).
		WithRow(row("Subscriptions and HTTP")).
		WithPanel(graph("Subscription events", "Events sent to subscribers per second, by subscription.", "ops",
			q(`sum by (operation) (rate(graphql_operations_total{type="subscription", $sel}[$__rate_interval]))`, "{{operation}}"))).
		WithPanel(graph("HTTP requests by route and status", "The GraphQL server's HTTP requests per second: POST /graphql, the GraphiQL page and assets, WebSocket handshakes.", "reqps",
			q(`sum by (method, route, status) (rate(http_requests_total{server="graphql", $sel}[$__rate_interval]))`, "{{method}} {{route}} {{status}}"))).
		WithPanel(graph("HTTP in flight", "Requests the GraphQL server is serving, open WebSocket connections included.", "short",
			q(`sum by (instance) (http_requests_in_flight{server="graphql", $sel})`, "{{instance}}")))
}

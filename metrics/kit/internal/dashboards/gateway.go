package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

func gateway() *dashboard.DashboardBuilder {
	return newDashboard("articlekit-gateway", "ArticleKit / API gateway",
		"The gateway by route and consumer: traffic, errors, refusals (throttling against the consumer's tier or the route's limit, authentication), and its upstreams' health and latency.", false).
		WithRow(row("Traffic")).
		WithPanel(graph("Requests by route", "Requests answered per second by route (requests no route matched are not counted).", "reqps",
			q(`sum by (route) (rate(gateway_requests_total{$sel}[$__rate_interval]))`, "{{route}}"))).
		WithPanel(graph("Requests by consumer", "Requests per second by consumer: a configured one, anonymous, unknown (a token's unconfigured subject), or none (refused before authentication).", "reqps",
			q(`sum by (consumer) (rate(gateway_requests_total{$sel}[$__rate_interval]))`, "{{consumer}}"))).
		WithPanel(graph("Responses by status", "Answers per second by status code (499: the client left first).", "reqps",
			q(`sum by (status) (rate(gateway_requests_total{$sel}[$__rate_interval]))`, "{{status}}"))).
		WithPanel(withLines(graph("Server errors by route", "Share of each route's requests answered 5xx: the upstream failed (502), had no target (503) or timed out (504).", "percentunit",
			q(ratio(`gateway_requests_total{status=~"5..", $sel}`, `gateway_requests_total{$sel}`, "route"), "{{route}}")),
			at(errorBudget, "red"))).
		WithRow(row("Refusals")).
		WithPanel(graph("Throttled by route and limit", "Requests refused with 429 per second, by route and the limit reached: consumer (the consumer's tier: Gold, Silver, Bronze, Unauthenticated, …) or route (the route's own limit).", "reqps",
			q(`sum by (route, limit) (rate(gateway_throttled_total{$sel}[$__rate_interval]))`, "{{route}} ({{limit}})"))).
		WithPanel(withLines(graph("Throttled share by route", "Share of each route's requests refused with 429 over 5 minutes (recording rule); the alert warns above 5% for 5 minutes.", "percentunit",
			q(`job_route:gateway_throttled:ratio_rate5m{job=~"$job"}`, "{{route}}")),
			at(0.05, "orange"))).
		WithPanel(graph("Authentication failures by route and reason", "Requests refused for their credentials per second: unauthenticated (401: missing or bad credentials) or forbidden (403: a missing scope).", "reqps",
			q(`sum by (route, reason) (rate(gateway_auth_failures_total{$sel}[$__rate_interval]))`, "{{route}} ({{reason}})"))).
		WithPanel(sli("Share of the gateway's requests answered 5xx",
			q(`job:gateway_request_errors:ratio_rate5m{job=~"$job"}`, "5m {{job}}"),
			q(`job:gateway_request_errors:ratio_rate1h{job=~"$job"}`, "1h {{job}}"))).
		WithRow(row("Upstreams")).
		WithPanel(states("Upstream targets", "Whether each upstream target takes requests: up (healthy, not suspended) or down (failed health checks, or suspended after failures).",
			q(`gateway_upstream_up{$sel}`, "{{upstream}} {{target}}"))).
		WithPanel(graph("Upstream attempts", "Attempts on each upstream per second (retries included).", "reqps",
			q(`sum by (upstream) (rate(gateway_upstream_duration_seconds_count{$sel}[$__rate_interval]))`, "{{upstream}}"))).
		WithPanel(graph("Upstream duration p99", "99th percentile of one attempt's duration, to the response headers, by upstream.", "s",
			q(quantile(0.99, `gateway_upstream_duration_seconds_bucket{$sel}`, "upstream"), "p99 {{upstream}}"),
			q(quantile(0.5, `gateway_upstream_duration_seconds_bucket{$sel}`, "upstream"), "p50 {{upstream}}"))).
		WithPanel(distribution("Upstream durations", "How long attempts on the upstreams took, per bucket of the histogram.", "s",
			`sum by (le) (increase(gateway_upstream_duration_seconds_bucket{$sel}[$__rate_interval]))`))
}

package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

func etl() *dashboard.DashboardBuilder {
	pipelines := `$sel, pipeline=~"$pipeline"`
	return newDashboard("articlekit-etl", "ArticleKit / ETL",
		"The ETL's pipelines: runs and their outcomes, the last success, durations, and the rows each step read, wrote and rejected.", false).
		WithVariable(queryVariable("pipeline", "Pipeline", `label_values(etl_runs_total{job=~"$job"}, pipeline)`)).
		WithRow(row("Runs")).
		WithPanel(single("Runs by outcome", "Runs finished in the dashboard's time range, by outcome.", "short",
			q(`sum by (outcome) (increase(etl_runs_total{`+pipelines+`}[$__range]))`, "{{outcome}}"))).
		WithPanel(single("Last success", "When each pipeline last finished a run successfully.", "dateTimeFromNow",
			q(`max by (pipeline) (etl_last_success_timestamp_seconds{`+pipelines+`}) * 1000`, "{{pipeline}}"))).
		WithPanel(withLines(graph("Since the last success", "Time since each pipeline's last successful run; the stale alert warns above 3 schedule periods (3 × 60s, the fullstack's export).", "s",
			q(`time() - max by (pipeline) (etl_last_success_timestamp_seconds{`+pipelines+`})`, "{{pipeline}}")),
			at(180, "orange"))).
		WithPanel(graph("Runs per minute by outcome", "Finished runs per minute, by pipeline and outcome.", "short",
			q(`sum by (pipeline, outcome) (rate(etl_runs_total{`+pipelines+`}[$__rate_interval])) * 60`, "{{pipeline}} {{outcome}}"))).
		WithPanel(graph("Run duration", "p50 and p99 of the runs' durations, by pipeline.", "s",
			q(quantile(0.99, `etl_run_duration_seconds_bucket{`+pipelines+`}`, "pipeline"), "p99 {{pipeline}}"),
			q(quantile(0.5, `etl_run_duration_seconds_bucket{`+pipelines+`}`, "pipeline"), "p50 {{pipeline}}"))).
		WithPanel(graph("Mean run duration", "Mean duration of the runs finished in the rate interval, by pipeline.", "s",
			q(`sum by (pipeline) (rate(etl_run_duration_seconds_sum{`+pipelines+`}[$__rate_interval]))
/ sum by (pipeline) (rate(etl_run_duration_seconds_count{`+pipelines+`}[$__rate_interval]))`, "{{pipeline}}"))).
		WithRow(row("Rows per step")).
		WithPanel(graph("Rows read", "Rows each step took from its inputs, per second (counted every second while a run goes on).", "rowsps",
			q(`sum by (pipeline, step) (rate(etl_rows_read_total{`+pipelines+`}[$__rate_interval]))`, "{{pipeline}} {{step}}"))).
		WithPanel(graph("Rows written", "Rows each step emitted, rejected ones aside, per second.", "rowsps",
			q(`sum by (pipeline, step) (rate(etl_rows_written_total{`+pipelines+`}[$__rate_interval]))`, "{{pipeline}} {{step}}"))).
		WithPanel(graph("Rows rejected", "Rows each step sent to its reject output per second (a validator's refusals, with their reasons in the reject rows).", "rowsps",
			q(`sum by (pipeline, step) (rate(etl_rows_rejected_total{`+pipelines+`}[$__rate_interval]))`, "{{pipeline}} {{step}}"))).
		WithPanel(single("Rejects by step", "Rows rejected in the dashboard's time range, by step.", "short",
			q(`sum by (pipeline, step) (increase(etl_rows_rejected_total{`+pipelines+`}[$__range]))`, "{{pipeline}} {{step}}")).
			Span(12).Height(8))
}

package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

func runtime() *dashboard.DashboardBuilder {
	const each = "{{job}} {{instance}}"
	return newDashboard("articlekit-runtime", "ArticleKit / Go runtime and databases",
		"Every ArticleKit process: Go's runtime, the process's resources, and the article store's connection pools (db_name articles_write and articles_read).", false).
		WithRow(row("Go runtime")).
		WithPanel(graph("Goroutines", "Goroutines alive: a steady climb under steady load is a leak.", "short",
			q(`go_goroutines{$sel}`, each))).
		WithPanel(graph("Heap", "Heap bytes in use and allocated to live objects.", "bytes",
			q(`go_memstats_heap_inuse_bytes{$sel}`, "in use "+each),
			q(`go_memstats_heap_alloc_bytes{$sel}`, "allocated "+each))).
		WithPanel(graph("Garbage collections", "Collections per second.", "short",
			q(`rate(go_gc_duration_seconds_count{$sel}[$__rate_interval])`, each))).
		WithPanel(graph("GC pause", "Mean stop-the-world pause per collection.", "s",
			q(`rate(go_gc_duration_seconds_sum{$sel}[$__rate_interval]) / rate(go_gc_duration_seconds_count{$sel}[$__rate_interval])`, each))).
		WithRow(row("Process")).
		WithPanel(graph("CPU", "CPU seconds used per second (1 = one core).", "short",
			q(`rate(process_cpu_seconds_total{$sel}[$__rate_interval])`, each))).
		WithPanel(graph("Resident memory", "Resident set size.", "bytes",
			q(`process_resident_memory_bytes{$sel}`, each))).
		WithPanel(graph("Open files", "Open file descriptors (sockets included), against the limit.", "short",
			q(`process_open_fds{$sel}`, "open "+each),
			q(`process_max_fds{$sel}`, "limit "+each))).
		WithPanel(graph("OS threads", "Threads the Go runtime created.", "short",
			q(`go_threads{$sel}`, each))).
		WithRow(row("Database connection pools")).
		WithPanel(graph("Connections", "Open connections of each pool, those in use, and the pool's limit.", "short",
			q(`go_sql_open_connections{$sel}`, "open {{db_name}} {{instance}}"),
			q(`go_sql_in_use_connections{$sel}`, "in use {{db_name}} {{instance}}"),
			q(`go_sql_max_open_connections{$sel}`, "limit {{db_name}} {{instance}}"))).
		WithPanel(graph("Idle connections", "Connections idle in each pool.", "short",
			q(`go_sql_idle_connections{$sel}`, "{{db_name}} {{instance}}"))).
		WithPanel(graph("Waits for a connection", "Times per second a query waited for a free connection, and the seconds spent waiting per second: a pool too small for its load.", "short",
			q(`rate(go_sql_wait_count_total{$sel}[$__rate_interval])`, "waits {{db_name}} {{instance}}"),
			q(`rate(go_sql_wait_duration_seconds_total{$sel}[$__rate_interval])`, "seconds waited {{db_name}} {{instance}}"))).
		WithPanel(graph("Connections closed", "Connections the pool closed per second, by why: the idle limit, idle time, lifetime.", "short",
			q(`rate(go_sql_max_idle_closed_total{$sel}[$__rate_interval])`, "idle limit {{db_name}} {{instance}}"),
			q(`rate(go_sql_max_idle_time_closed_total{$sel}[$__rate_interval])`, "idle time {{db_name}} {{instance}}"),
			q(`rate(go_sql_max_lifetime_closed_total{$sel}[$__rate_interval])`, "lifetime {{db_name}} {{instance}}")))
}

package etl

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the runs' measures:
//
//	etl_rows_read_total{pipeline,step}                  counter
//	etl_rows_written_total{pipeline,step}               counter
//	etl_rows_rejected_total{pipeline,step}              counter
//	etl_runs_total{pipeline,outcome}                    counter: success, failure
//	etl_run_duration_seconds{pipeline}                  histogram
//	etl_last_success_timestamp_seconds{pipeline}        gauge: Unix time
//
// Counts advance while a run goes on (every second), not only at its end.
// LastRuns tells how each pipeline's latest run ended. A nil *Metrics
// records nothing.
type Metrics struct {
	read, written, rejected *prometheus.CounterVec
	runs                    *prometheus.CounterVec
	duration                *prometheus.HistogramVec
	lastSuccess             *prometheus.GaugeVec

	mu   sync.Mutex
	last map[string]LastRun // by pipeline
}

// LastRun is how a pipeline's latest run ended.
type LastRun struct {
	Pipeline string
	Started  time.Time
	Duration time.Duration
	// Failed is true when the run failed, or was refused at planning
	// (then Steps is empty).
	Failed bool
	Steps  []StepStats
}

// LastRuns returns the latest finished run of every pipeline that ran, by
// pipeline name.
func (m *Metrics) LastRuns() []LastRun {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	runs := make([]LastRun, 0, len(m.last))
	for _, r := range m.last {
		runs = append(runs, r)
	}
	slices.SortFunc(runs, func(a, b LastRun) int { return strings.Compare(a.Pipeline, b.Pipeline) })
	return runs
}

// NewMetrics creates the metrics and registers them with reg (nil: keep them
// unregistered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	rows := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"pipeline", "step"})
	}
	m := &Metrics{
		read:     rows("etl_rows_read_total", "Rows a step took from its inputs."),
		written:  rows("etl_rows_written_total", "Rows a step emitted, rejected ones aside."),
		rejected: rows("etl_rows_rejected_total", "Rows a step rejected (sent to its reject output)."),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "etl_runs_total", Help: "Finished pipeline runs, by outcome (success, failure).",
		}, []string{"pipeline", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "etl_run_duration_seconds", Help: "Duration of pipeline runs.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"pipeline"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "etl_last_success_timestamp_seconds", Help: "When the pipeline last finished a run successfully (Unix time).",
		}, []string{"pipeline"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.read, m.written, m.rejected, m.runs, m.duration, m.lastSuccess} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// add counts the rows moved since the stats in before.
func (m *Metrics) add(pipeline string, before, now []StepStats) {
	if m == nil {
		return
	}
	for i, s := range now {
		var b StepStats
		if i < len(before) {
			b = before[i]
		}
		m.read.WithLabelValues(pipeline, s.Name).Add(float64(s.Read - b.Read))
		m.written.WithLabelValues(pipeline, s.Name).Add(float64(s.Written - b.Written))
		m.rejected.WithLabelValues(pipeline, s.Name).Add(float64(s.Rejected - b.Rejected))
	}
}

func (m *Metrics) finished(res *Result, err error) {
	if m == nil {
		return
	}
	pipeline, elapsed := res.Pipeline, time.Since(res.Started)
	m.mu.Lock()
	if m.last == nil {
		m.last = make(map[string]LastRun)
	}
	m.last[pipeline] = LastRun{Pipeline: pipeline, Started: res.Started, Duration: elapsed, Failed: err != nil, Steps: slices.Clone(res.Steps)}
	m.mu.Unlock()
	m.duration.WithLabelValues(pipeline).Observe(elapsed.Seconds())
	if err != nil {
		m.runs.WithLabelValues(pipeline, "failure").Inc()
		return
	}
	m.runs.WithLabelValues(pipeline, "success").Inc()
	m.lastSuccess.WithLabelValues(pipeline).SetToCurrentTime()
	m.runs.WithLabelValues(pipeline, "failure") // present from the first success on
}

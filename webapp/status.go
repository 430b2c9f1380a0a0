package webapp

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/etl"
)

// Lister lists articles: an *articles.Service, or the REST API's client.
// The status page counts a database's articles with it.
type Lister interface {
	List(ctx context.Context, q articles.ListQuery) (articles.Page, error)
}

// Database is a database of articles whose count the status page shows.
type Database struct {
	// Name is how the page names it: "A", "B".
	Name string
	// Role says what it is to the platform: "source", "replica".
	Role     string
	Articles Lister
}

// ETLRuns tells how each pipeline's latest run ended: an *etl.Metrics.
type ETLRuns interface {
	LastRuns() []etl.LastRun
}

// MonitorConfig says what a Monitor watches and how often.
type MonitorConfig struct {
	// Gatherer is the process's metrics registry: the source of the
	// request rates, the outbox, the sync and the gateway's figures.
	Gatherer prometheus.Gatherer
	// Databases are counted on each status request (at most once a
	// second).
	Databases []Database
	// ETL, when set, gives the pipelines' last runs.
	ETL ETLRuns
	// Interval between samples. Default: 2s.
	Interval time.Duration
	// Window is how far back the charts reach. Default: 10m.
	Window time.Duration
}

// Monitor samples the process's metrics every Interval and keeps a
// Window of them, so that the status page charts the last minutes without
// an external Prometheus. Run samples until its context ends; Status
// reads the figures.
type Monitor struct {
	cfg MonitorConfig
	log *zap.Logger

	mu      sync.Mutex
	samples []sample // oldest first, at most cfg.Window/cfg.Interval+1

	countMu   sync.Mutex
	counted   time.Time
	lastCount []DatabaseStatus
}

// NewMonitor returns a Monitor of cfg; it samples once Run runs.
func NewMonitor(cfg MonitorConfig, log *zap.Logger) *Monitor {
	if cfg.Interval <= 0 {
		cfg.Interval = 2 * time.Second
	}
	if cfg.Window <= 0 {
		cfg.Window = 10 * time.Minute
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &Monitor{cfg: cfg, log: log}
}

// Run samples every Interval until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	ticker := time.NewTicker(m.cfg.Interval)
	defer ticker.Stop()
	for {
		m.Sample()
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Sample takes one sample now. Run calls it; tests call it to step time.
func (m *Monitor) Sample() {
	if m.cfg.Gatherer == nil {
		return
	}
	families, err := m.cfg.Gatherer.Gather()
	if err != nil && len(families) == 0 {
		m.log.Warn("status: gathering metrics failed", zap.Error(err))
		return
	}
	s := readSample(time.Now(), families)
	keep := int(m.cfg.Window/m.cfg.Interval) + 1
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples = append(m.samples, s)
	if extra := len(m.samples) - keep; extra > 0 {
		m.samples = slices.Delete(m.samples, 0, extra)
	}
}

// Status is what the status page shows: GET /app/status.json.
type Status struct {
	Time            time.Time        `json:"time"`
	IntervalSeconds float64          `json:"intervalSeconds"`
	Databases       []DatabaseStatus `json:"databases"`
	// Outbox, Sync and Gateway are null when their component does not
	// run in this process.
	Outbox  *OutboxStatus  `json:"outbox"`
	Sync    *SyncStatus    `json:"sync"`
	ETL     []ETLRun       `json:"etl"`
	Gateway *GatewayStatus `json:"gateway"`
	Series  Series         `json:"series"`
}

// DatabaseStatus is a database's article count; Error replaces it when
// counting failed.
type DatabaseStatus struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Articles *int64 `json:"articles"`
	Error    string `json:"error,omitempty"`
}

// OutboxStatus is the source's backlog of events not yet published.
type OutboxStatus struct {
	Pending          int64   `json:"pending"`
	OldestAgeSeconds float64 `json:"oldestAgeSeconds"`
}

// SyncStatus is the consumer's progress.
type SyncStatus struct {
	ConsumerLag int64 `json:"consumerLag"`
	DeadLetters int64 `json:"deadLetters"`
	Applied     int64 `json:"applied"`
	// DelaySeconds is the mean delay, from commit in A to apply in B, of
	// the events applied in the last minute; null when none was.
	DelaySeconds *float64 `json:"delaySeconds"`
}

// ETLRun is a pipeline's latest run.
type ETLRun struct {
	Pipeline        string    `json:"pipeline"`
	Started         time.Time `json:"started"`
	DurationSeconds float64   `json:"durationSeconds"`
	Outcome         string    `json:"outcome"` // success, failure
	// Steps are the rows each step read, wrote and rejected, in the
	// order the steps run; empty when the run was refused at planning.
	Steps []etl.StepStats `json:"steps"`
}

// GatewayStatus is the gateway's view of its upstreams and callers.
type GatewayStatus struct {
	Upstreams              []UpstreamStatus `json:"upstreams"`
	ThrottledLastMinute    int64            `json:"throttledLastMinute"`
	AuthFailuresLastMinute int64            `json:"authFailuresLastMinute"`
}

// UpstreamStatus is whether one upstream target takes requests.
type UpstreamStatus struct {
	Upstream string `json:"upstream"`
	Target   string `json:"target"`
	Up       bool   `json:"up"`
}

// Series are the charts' data, a point per sample interval: Time in Unix
// seconds, each value per second (null where it cannot be known, as at
// the first sample or across a counter reset).
type Series struct {
	Time      []int64     `json:"time"`
	APIs      []APISeries `json:"apis"`
	SyncDelay []*float64  `json:"syncDelay"`
}

// APISeries is an API's request and error rates. Errors are server
// errors: 5xx answers, and GraphQL operations that failed on the server's
// side (INTERNAL_SERVER_ERROR, UNAVAILABLE, TIMEOUT).
type APISeries struct {
	Name     string     `json:"name"`
	Requests []*float64 `json:"requests"`
	Errors   []*float64 `json:"errors"`
}

// Status returns the figures now and the series of the last Window.
func (m *Monitor) Status(ctx context.Context) Status {
	m.mu.Lock()
	samples := slices.Clone(m.samples)
	m.mu.Unlock()
	st := Status{Time: time.Now().UTC(), IntervalSeconds: m.cfg.Interval.Seconds(), Databases: m.countDatabases(ctx), ETL: m.etlRuns()}
	st.Series = series(samples)
	if len(samples) == 0 {
		return st
	}
	last := samples[len(samples)-1]
	minuteAgo := samples[0]
	for _, s := range samples {
		if last.at.Sub(s.at) >= time.Minute-m.cfg.Interval/2 {
			minuteAgo = s
		}
	}
	if last.hasOutbox {
		st.Outbox = &OutboxStatus{Pending: int64(last.outboxPending), OldestAgeSeconds: last.outboxAge}
	}
	if last.hasSync {
		st.Sync = &SyncStatus{ConsumerLag: int64(last.lag), DeadLetters: int64(last.deadLetters), Applied: int64(last.applied)}
		if n := last.delayCount - minuteAgo.delayCount; n > 0 {
			mean := (last.delaySum - minuteAgo.delaySum) / n
			st.Sync.DelaySeconds = &mean
		}
	}
	if last.hasGateway {
		st.Gateway = &GatewayStatus{
			Upstreams:              last.upstreams,
			ThrottledLastMinute:    int64(math.Max(0, last.throttled-minuteAgo.throttled)),
			AuthFailuresLastMinute: int64(math.Max(0, last.authFailures-minuteAgo.authFailures)),
		}
	}
	return st
}

// countDatabases counts each database's articles, at most once a second
// however many pages poll.
func (m *Monitor) countDatabases(ctx context.Context) []DatabaseStatus {
	m.countMu.Lock()
	defer m.countMu.Unlock()
	if time.Since(m.counted) < time.Second {
		return m.lastCount
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out := make([]DatabaseStatus, len(m.cfg.Databases))
	for i, db := range m.cfg.Databases {
		out[i] = DatabaseStatus{Name: db.Name, Role: db.Role}
		page, err := db.Articles.List(ctx, articles.ListQuery{Limit: 1})
		if err != nil {
			m.log.Warn("status: counting articles failed", zap.String("database", db.Name), zap.Error(err))
			out[i].Error = "unavailable"
			continue
		}
		out[i].Articles = &page.Total
	}
	m.counted, m.lastCount = time.Now(), out
	return out
}

func (m *Monitor) etlRuns() []ETLRun {
	runs := []ETLRun{}
	if m.cfg.ETL == nil {
		return runs
	}
	for _, r := range m.cfg.ETL.LastRuns() {
		run := ETLRun{Pipeline: r.Pipeline, Started: r.Started.UTC(), DurationSeconds: r.Duration.Seconds(), Outcome: "success"}
		if r.Failed {
			run.Outcome = "failure"
		}
		run.Steps = r.Steps
		if run.Steps == nil {
			run.Steps = []etl.StepStats{}
		}
		runs = append(runs, run)
	}
	return runs
}

// sample is what one Gather said: counters as they were (the series are
// their differences), gauges as they are.
type sample struct {
	at time.Time
	// requests and errors by API.
	requests, errors map[string]float64

	hasOutbox                 bool
	outboxPending, outboxAge  float64
	hasSync                   bool
	lag, deadLetters, applied float64
	delaySum, delayCount      float64
	hasGateway                bool
	throttled, authFailures   float64
	upstreams                 []UpstreamStatus
}

// serverFaults are the GraphQL outcomes that count as errors: the
// server's, not the client's.
var serverFaults = []string{"INTERNAL_SERVER_ERROR", "UNAVAILABLE", "TIMEOUT", "error"}

// ownRoutePrefix marks the gateway routes of the app itself, whose
// polling would otherwise show as API traffic.
const ownRoutePrefix = "webapp"

func readSample(at time.Time, families []*dto.MetricFamily) sample {
	s := sample{at: at, requests: map[string]float64{}, errors: map[string]float64{}}
	for _, f := range families {
		metrics := f.GetMetric()
		switch f.GetName() {
		case "http_requests_total":
			for _, m := range metrics {
				server := label(m, "server")
				if server == ownRoutePrefix {
					continue
				}
				v := m.GetCounter().GetValue()
				s.requests[server] += v
				if status, _ := strconv.Atoi(label(m, "status")); status >= 500 && server != "graphql" {
					s.errors[server] += v
				}
			}
		case "graphql_operations_total":
			for _, m := range metrics {
				if slices.Contains(serverFaults, label(m, "outcome")) {
					s.errors["graphql"] += m.GetCounter().GetValue()
				}
			}
		case "gateway_requests_total":
			s.hasGateway = true
			for _, m := range metrics {
				if strings.HasPrefix(label(m, "route"), ownRoutePrefix) {
					continue
				}
				v := m.GetCounter().GetValue()
				s.requests["gateway"] += v
				if status, _ := strconv.Atoi(label(m, "status")); status >= 500 {
					s.errors["gateway"] += v
				}
			}
		case "gateway_upstream_up":
			s.hasGateway = true
			for _, m := range metrics {
				s.upstreams = append(s.upstreams, UpstreamStatus{Upstream: label(m, "upstream"), Target: label(m, "target"), Up: m.GetGauge().GetValue() == 1})
			}
		case "gateway_throttled_total":
			s.throttled = sum(metrics)
		case "gateway_auth_failures_total":
			s.authFailures = sum(metrics)
		case "articles_outbox_pending_events":
			s.hasOutbox, s.outboxPending = true, sum(metrics)
		case "articles_outbox_oldest_pending_age_seconds":
			s.outboxAge = sum(metrics)
		case "kafkasync_consumer_lag":
			s.hasSync, s.lag = true, sum(metrics)
		case "kafkasync_dead_lettered_events_total":
			s.deadLetters = sum(metrics)
		case "kafkasync_applied_events_total":
			s.hasSync, s.applied = true, sum(metrics)
		case "kafkasync_sync_delay_seconds":
			for _, m := range metrics {
				s.delaySum += m.GetHistogram().GetSampleSum()
				s.delayCount += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	slices.SortFunc(s.upstreams, func(a, b UpstreamStatus) int {
		return strings.Compare(a.Upstream+"\x00"+a.Target, b.Upstream+"\x00"+b.Target)
	})
	return s
}

// series turns samples into per-second rates between consecutive samples.
func series(samples []sample) Series {
	out := Series{Time: make([]int64, len(samples)), SyncDelay: make([]*float64, len(samples))}
	var apis []string
	for _, s := range samples {
		for api := range s.requests {
			if !slices.Contains(apis, api) {
				apis = append(apis, api)
			}
		}
	}
	slices.SortFunc(apis, func(a, b string) int {
		if d := apiOrder(a) - apiOrder(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, api := range apis {
		out.APIs = append(out.APIs, APISeries{Name: api, Requests: make([]*float64, len(samples)), Errors: make([]*float64, len(samples))})
	}
	for i, s := range samples {
		out.Time[i] = s.at.Unix()
		if i == 0 {
			continue
		}
		prev := samples[i-1]
		seconds := s.at.Sub(prev.at).Seconds()
		if seconds <= 0 {
			continue
		}
		for j, api := range apis {
			out.APIs[j].Requests[i] = rate(prev.requests[api], s.requests[api], seconds)
			out.APIs[j].Errors[i] = rate(prev.errors[api], s.errors[api], seconds)
		}
		if n := s.delayCount - prev.delayCount; n > 0 {
			mean := (s.delaySum - prev.delaySum) / n
			out.SyncDelay[i] = &mean
		}
	}
	return out
}

// apiOrder puts the platform's APIs in the order a request meets them.
func apiOrder(api string) int {
	switch api {
	case "gateway":
		return 0
	case "graphql":
		return 1
	case "rest":
		return 2
	default:
		return 3
	}
}

// rate is the per-second increase from before to after, or nil across a
// reset.
func rate(before, after, seconds float64) *float64 {
	if after < before {
		return nil
	}
	r := (after - before) / seconds
	return &r
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func sum(metrics []*dto.Metric) float64 {
	var total float64
	for _, m := range metrics {
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Untyped != nil:
			total += m.GetUntyped().GetValue()
		}
	}
	return total
}

package kit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"go.yaml.in/yaml/v3"

	"github.com/articlekit/articlekit/internal/nettest"
)

// incidentOnly are the expressions that by design return nothing on a
// healthy system: each alert's condition, but for the throttling surge,
// which the load provokes on purpose. Their thresholds and windows are
// tested by promtool (prometheus/tests); here they must be valid PromQL
// over metrics that exist.
var incidentOnly = map[string]string{
	"alert RESTErrorBudgetBurnFast":    "needs REST 5xx answers",
	"alert RESTErrorBudgetBurnSlow":    "needs REST 5xx answers",
	"alert GraphQLErrorBudgetBurnFast": "needs server-side GraphQL errors",
	"alert GraphQLErrorBudgetBurnSlow": "needs server-side GraphQL errors",
	"alert GatewayErrorBudgetBurnFast": "needs gateway 5xx answers",
	"alert GatewayErrorBudgetBurnSlow": "needs gateway 5xx answers",
	"alert RESTLatencyHigh":            "needs a REST p99 over 1s",
	"alert GraphQLLatencyHigh":         "needs a GraphQL p99 over 2s",
	"alert GatewayUpstreamLatencyHigh": "needs an upstream p99 over 1s",
	"alert GatewayUpstreamTargetDown":  "needs an upstream target out of rotation",
	"alert GatewayUpstreamUnavailable": "needs every target of an upstream out of rotation",
	"alert ArticlesOutboxBacklogStale": "needs the relay to stop publishing for a minute",
	"alert KafkaSyncRelayErrors":       "needs Kafka to refuse the relay",
	"alert KafkaSyncConsumerLagHigh":   "needs the consumer 1000 messages behind",
	"alert KafkaSyncDeadLetters":       "needs a message the consumer cannot apply",
	"alert KafkaSyncApplyRetrying":     "needs the sync target to be unavailable",
	"alert KafkaSyncDelayHigh":         "needs changes taking over 10s to sync",
	"alert ETLRunsFailing":             "needs a failed ETL run",
	"alert ETLPipelineStale":           "needs 3 minutes without a successful run",
	"alert ArticleKitTargetDown":       "needs a target Prometheus cannot scrape",
}

// Grafana's variables as the test's Prometheus answers them: rate windows
// that cover the load (scraped every second), every job, instance and
// pipeline.
var grafanaVariables = strings.NewReplacer(
	"$__rate_interval", "30s",
	"$__range", "5m",
	"$__interval", "5s",
	"$job", ".+",
	"$instance", ".+",
	"$pipeline", ".+",
)

// Prometheus makes these series itself.
var prometheusSeries = []string{"up", "ALERTS"}

// The kit against the real thing: a Prometheus with the shipped
// configuration and rules (scraping every second) scrapes a running
// fullstack, and a scheduled ETL runner as prometheus-components.yml's
// articlekit-etl job, under a short load: REST writes with the API key and
// reads through the gateway, refused writes, GraphQL queries, mutations
// and a subscription, then a burst of anonymous reads the gateway
// throttles. Then every rule's and every dashboard panel's expression runs
// through Prometheus' HTTP API: each must succeed, return data (but those
// in incidentOnly) and name only metrics the programs export and
// Prometheus has, or recording rules of the kit.
func TestPrometheusAgainstFullstack(t *testing.T) {
	prometheus := requirePrometheus(t)
	if raceEnabled {
		t.Skip("the race detector adds nothing here: the programs under test are built without it, in processes of their own; go test without -race runs this")
	}
	started := time.Now()
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator),
		"github.com/articlekit/articlekit/examples/fullstack", "github.com/articlekit/articlekit/examples/etl")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the fullstack and the ETL runner in %s", time.Since(started).Round(time.Millisecond))

	rest, graphql, gw := nettest.FreeAddr(t), nettest.FreeAddr(t), nettest.FreeAddr(t)
	const apiKey = "kit-test-api-key-0123456789"
	fullstack := start(t, dir, "fullstack", []string{
		"DATABASE_URL=sqlite://" + filepath.Join(dir, "articles.db"),
		"SYNC_TARGET_DATABASE_URL=sqlite://" + filepath.Join(dir, "articles-replica.db"),
		"REST_ADDR=" + rest, "GRAPHQL_ADDR=" + graphql,
		"GATEWAY_HTTP_ADDR=" + gw, "GATEWAY_HTTPS_ADDR=" + nettest.FreeAddr(t), "GATEWAY_ADMIN_ADDR=" + nettest.FreeAddr(t),
		"GATEWAY_DEV_API_KEY=" + apiKey,
		"ETL_EXPORT_DIR=" + dir, "ETL_EXPORT_EVERY=2s",
	}, filepath.Join(dir, "fullstack"))
	fullstack.waitOK(t, "http://"+rest+"/ready")

	etlMetrics := nettest.FreeAddr(t)
	pipeline := filepath.Join(dir, "copy.yaml")
	writeFile(t, filepath.Join(dir, "in.csv"), "id,title\n1,one\n2,two\n3,three\n")
	writeFile(t, pipeline, fmt.Sprintf(`name: copy
schedule: {every: 1s}
steps:
  - {name: read, type: file_input, path: %q, format: csv}
  - {name: write, type: file_output, path: %q, format: jsonl}
hops:
  - {from: read, to: write}
`, filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.jsonl")))
	etlRunner := start(t, dir, "etl", nil, filepath.Join(dir, "etl"), "run", "-metrics-addr", etlMetrics, pipeline)
	etlRunner.waitOK(t, "http://"+etlMetrics+"/metrics")

	promAddr := nettest.FreeAddr(t)
	cfg := prometheusConfig(t, map[string]string{"articlekit": rest, "articlekit-etl": etlMetrics, "prometheus": promAddr})
	writeFile(t, filepath.Join(dir, "prometheus.yml"), string(cfg))
	prom := start(t, dir, "prometheus", nil, prometheus,
		"--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	prom.waitOK(t, "http://"+promAddr+"/-/ready")
	api := promAPI{base: "http://" + promAddr}

	ctx, stop := context.WithCancel(context.Background())
	l := &load{t: t, gateway: "http://" + gw, graphql: "http://" + graphql + "/graphql", key: apiKey}
	var running sync.WaitGroup
	running.Go(func() { l.run(ctx) })
	defer func() { stop(); running.Wait() }()
	time.Sleep(20 * time.Second) // rate windows of the load, ETL runs, rule evaluations
	// Past the anonymous tier's 500/min, twice: the gateway's throttle
	// counters start at their first throttle, and rate() sees only what
	// comes after a series' first scrape.
	l.burst(600)
	time.Sleep(2 * time.Second)
	if n := l.burst(200); n == 0 {
		t.Error("the gateway throttled none of a second burst of anonymous reads")
	}
	// The load goes on while the expressions run, so that every rate
	// window holds some.
	waitForRecordingRules(t, api,
		`job_route:gateway_throttled:ratio_rate5m > 0`,
		// The ETL runner, scraped as the components configuration says.
		`etl_runs_total{job="articlekit-etl", pipeline="copy", outcome="success"} > 0`)
	t.Logf("load and rules ready after %s", time.Since(started).Round(time.Millisecond))

	exported := scrapedNames(t, "http://"+rest+"/metrics", "http://"+etlMetrics+"/metrics")
	ingested := map[string]bool{}
	var names []string
	api.get(t, "/api/v1/label/__name__/values", nil, &names)
	for _, n := range names {
		ingested[n] = true
	}
	recorded := map[string]bool{}
	var exprs []expression
	for _, r := range rules(t) {
		if r.Record != "" {
			recorded[r.Record] = true
			exprs = append(exprs, expression{"record " + r.Record, r.Expr})
		} else {
			exprs = append(exprs, expression{"alert " + r.Alert, r.Expr})
		}
	}
	panels, variables := dashboardExpressions(t)
	exprs = append(exprs, panels...)
	c := checker{api: api, exported: exported, ingested: ingested, recorded: recorded}

	t.Run("the checks catch a broken expression and a missing metric", func(t *testing.T) {
		for _, e := range []expression{
			{"broken", `sum(rate(http_requests_total[5m])`},
			{"missing", `rate(articles_never_exported_total[5m])`},
			{"unrecorded", `job:never_recorded:ratio_rate5m`},
		} {
			if problems := c.check(t, e, true); len(problems) == 0 {
				t.Errorf("%s (%s): no problem found", e.where, e.expr)
			}
		}
	})

	seen := map[string]bool{}
	for _, e := range exprs {
		seen[e.where] = true
		_, quiet := incidentOnly[e.where]
		for _, p := range c.check(t, e, quiet) {
			t.Errorf("%s: %s\n\t%s", e.where, p, e.expr)
		}
	}
	for where := range incidentOnly {
		if !seen[where] {
			t.Errorf("incidentOnly lists %s, which is no expression of the kit", where)
		}
	}
	for _, v := range variables {
		c.checkVariable(t, v)
	}
	t.Logf("%d rule and panel expressions and %d variables checked, %d incident-only, in %s in all",
		len(exprs), len(variables), len(incidentOnly), time.Since(started).Round(time.Millisecond))
}

// requirePrometheus finds prometheus on PATH; without it the test skips,
// or fails under CI=true.
func requirePrometheus(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no prometheus on PATH (apt-get install prometheus): %v", err)
		}
		t.Skipf("no prometheus on PATH (apt-get install prometheus; CI=true fails instead): %v", err)
	}
	return path
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// prometheusConfig is the shipped fullstack configuration, scraping and
// evaluating every second, with its rule files by absolute path, the
// components configuration's articlekit-etl job added, and each job of
// targets scraping the address given.
func prometheusConfig(t *testing.T, targets map[string]string) []byte {
	t.Helper()
	full, components := readConfig(t, fullstackYML), readConfig(t, componentsYML)
	var cfg struct {
		Global        map[string]string `yaml:"global"`
		RuleFiles     []string          `yaml:"rule_files"`
		ScrapeConfigs []map[string]any  `yaml:"scrape_configs"`
	}
	cfg.Global = map[string]string{"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
	for _, f := range full.RuleFiles {
		abs, err := filepath.Abs(filepath.Join(filepath.Dir(fullstackYML), f))
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuleFiles = append(cfg.RuleFiles, abs)
	}
	for _, job := range append(full.ScrapeConfigs, components.ScrapeConfigs...) {
		name, _ := job["job_name"].(string)
		addr, ok := targets[name]
		if !ok {
			continue
		}
		delete(targets, name)
		job["static_configs"] = []map[string]any{{"targets": []string{addr}}}
		cfg.ScrapeConfigs = append(cfg.ScrapeConfigs, job)
	}
	if len(targets) > 0 {
		t.Fatalf("the shipped configurations have no jobs %v", targets)
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// proc is a program the test started; it is stopped when the test ends.
type proc struct {
	name, log string
	exited    chan struct{}
}

func start(t *testing.T, dir, name string, env []string, path string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, log: filepath.Join(dir, name+".log"), exited: make(chan struct{})}
	logFile, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	// Only what the test sets: the machine's DATABASE_URL, KAFKA_BROKERS
	// and the like are not the test's.
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LOG_LEVEL=warn"}, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s's log:\n%s", name, tail(p.log))
		}
	})
	return p
}

// waitOK waits for url to answer 200.
func (p *proc) waitOK(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		select {
		case <-p.exited:
			t.Fatalf("%s exited:\n%s", p.name, tail(p.log))
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s did not answer 200 within 30s:\n%s", p.name, url, tail(p.log))
		}
	}
}

func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

// load is traffic of every kind the dashboards show.
type load struct {
	t                     *testing.T
	gateway, graphql, key string
	client                http.Client

	mu  sync.Mutex
	ids []int64
}

// run sends a steady load until ctx ends: writes through the gateway
// (with the key, without it, invalid ones, updates with a stale
// precondition, deletes), anonymous reads through it (found and not),
// GraphQL queries and mutations (valid, invalid, refused) directly and
// through the gateway, and one subscription through the gateway's
// WebSocket route.
func (l *load) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { l.subscribe(ctx) })
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
		}
		id := l.someID()
		switch i % 10 {
		case 0, 5:
			var a struct{ ID int64 }
			if l.do(ctx, "POST", "/articles", `{"title":"Load","content":"c","author":"kit","tags":["kit"]}`, &a, "apikey", l.key) == http.StatusCreated {
				l.mu.Lock()
				l.ids = append(l.ids, a.ID)
				l.mu.Unlock()
			}
		case 1:
			l.do(ctx, "PUT", fmt.Sprintf("/articles/%d", id), `{"title":"Loaded","content":"c2","author":"kit","tags":["kit"]}`, nil, "apikey", l.key)
		case 2:
			l.do(ctx, "GET", "/articles?limit=10", "", nil)
		case 3:
			l.do(ctx, "GET", fmt.Sprintf("/articles/%d", id), "", nil)
		case 4:
			l.do(ctx, "POST", "/articles", `{"title":""}`, nil, "apikey", l.key) // 422
		case 6:
			l.do(ctx, "POST", "/articles", `{"title":"no key"}`, nil) // 401
		case 7:
			l.do(ctx, "PUT", fmt.Sprintf("/articles/%d", id), `{"title":"stale"}`, nil, "apikey", l.key, "If-Match", `"0"`) // 412
		case 8:
			l.do(ctx, "GET", "/articles/999999999", "", nil) // 404
		case 9:
			if i%30 == 9 {
				l.do(ctx, "DELETE", fmt.Sprintf("/articles/%d", id), "", nil, "apikey", l.key)
			}
			l.do(ctx, "POST", "/graphql", `{"query":"{ getArticles(limit: 5) { id title } }"}`, nil)
		}
		for _, query := range []string{
			`{"query":"{ getArticles(limit: 10) { id title tags } }"}`,
			fmt.Sprintf(`{"query":"{ getArticle(id: \"%d\") { title version } }"}`, id),
			`{"query":"mutation { createArticle(input: {title: \"From GraphQL\", tags: [\"kit\"]}) { id } }"}`,
			`{"query":"mutation { createArticle(input: {title: \"\"}) { id } }"}`, // BAD_USER_INPUT
			`{"query":"{ nope }"}`, // GRAPHQL_VALIDATION_FAILED
		}[:1+i%5] {
			l.post(ctx, l.graphql, query)
		}
	}
}

// burst sends n anonymous reads through the gateway at once, more than
// the Unauthenticated tier allows, and counts the refused ones.
func (l *load) burst(n int) (throttled int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	work := make(chan struct{}, n)
	for range n {
		work <- struct{}{}
	}
	close(work)
	for range 8 {
		wg.Go(func() {
			for range work {
				if l.do(context.Background(), "GET", "/articles?limit=1", "", nil) == http.StatusTooManyRequests {
					mu.Lock()
					throttled++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return throttled
}

func (l *load) someID() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ids) == 0 {
		return 1
	}
	return l.ids[len(l.ids)/2]
}

// do sends a request to the gateway and returns its status (0 when it
// failed, which fails the test unless the load is over).
func (l *load) do(ctx context.Context, method, path, body string, into any, headers ...string) int {
	req, err := http.NewRequestWithContext(ctx, method, l.gateway+path, strings.NewReader(body))
	if err != nil {
		l.t.Error(err)
		return 0
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return l.send(ctx, req, into)
}

func (l *load) post(ctx context.Context, url, body string) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	if err != nil {
		l.t.Error(err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	l.send(ctx, req, nil)
}

func (l *load) send(ctx context.Context, req *http.Request, into any) int {
	resp, err := l.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			l.t.Errorf("%s %s: %v", req.Method, req.URL, err)
		}
		return 0
	}
	defer resp.Body.Close()
	if into != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			l.t.Errorf("%s %s: %v", req.Method, req.URL, err)
		}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// subscribe holds a graphql-transport-ws subscription to every article's
// changes through the gateway until ctx ends.
func (l *load) subscribe(ctx context.Context) {
	url := "ws" + strings.TrimPrefix(l.gateway, "http") + "/graphql"
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		l.t.Errorf("subscription: %v", err)
		return
	}
	defer conn.CloseNow()
	for _, msg := range []map[string]any{
		{"type": "connection_init"},
		{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "subscription { articleChanged { type id version } }"}},
	} {
		if err := wsjson.Write(ctx, conn, msg); err != nil {
			l.t.Errorf("subscription: %v", err)
			return
		}
	}
	for {
		var msg map[string]any
		if err := wsjson.Read(ctx, conn, &msg); err != nil {
			if ctx.Err() == nil {
				l.t.Errorf("subscription: %v", err)
			}
			return
		}
	}
}

// promAPI is Prometheus' HTTP API.
type promAPI struct{ base string }

type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

// call GETs path with params and decodes the data of a successful answer
// into data.
func (a promAPI) call(path string, params url.Values, data any) error {
	resp, err := http.Get(a.base + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r apiResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: %d, %w", path, resp.StatusCode, err)
	}
	if r.Status != "success" {
		return fmt.Errorf("%s: %s", r.ErrorType, r.Error)
	}
	return json.Unmarshal(r.Data, data)
}

func (a promAPI) get(t *testing.T, path string, params url.Values, data any) {
	t.Helper()
	if err := a.call(path, params, data); err != nil {
		t.Fatal(err)
	}
}

// query runs an instant query now and counts the series (or scalars) it
// returns.
func (a promAPI) query(expr string) (int, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := a.call("/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return 0, err
	}
	if data.ResultType == "scalar" || data.ResultType == "string" {
		return 1, nil
	}
	var series []json.RawMessage
	if err := json.Unmarshal(data.Result, &series); err != nil {
		return 0, err
	}
	return len(series), nil
}

// waitForRecordingRules waits until every recording rule has recorded a
// series, and the expressions after find what the last of the load did.
func waitForRecordingRules(t *testing.T, api promAPI, after ...string) {
	t.Helper()
	var missing []string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		missing = missing[:0]
		for _, r := range rules(t) {
			if r.Record == "" {
				continue
			}
			if n, err := api.query(r.Record); err != nil || n == 0 {
				missing = append(missing, r.Record)
			}
		}
		for _, expr := range after {
			if n, err := api.query(expr); err != nil || n == 0 {
				missing = append(missing, expr)
			}
		}
		if len(missing) == 0 {
			return
		}
	}
	t.Fatalf("no series after 30s: %q", missing)
}

// scrapedNames are the metric names the programs' /metrics serve.
func scrapedNames(t *testing.T, urls ...string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, u := range urls {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		s := bufio.NewScanner(resp.Body)
		s.Buffer(nil, 1<<20)
		for s.Scan() {
			line := s.Text()
			if line == "" || line[0] == '#' {
				continue
			}
			if i := strings.IndexAny(line, "{ "); i > 0 {
				names[line[:i]] = true
			}
		}
		resp.Body.Close()
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if len(names) == 0 {
		t.Fatal("the programs' /metrics served nothing")
	}
	return names
}

// checker holds an expression to the test's rules.
type checker struct {
	api                          promAPI
	exported, ingested, recorded map[string]bool
}

var leftoverVariable = regexp.MustCompile(`\$\{?\w+`)

// check runs e and names its problems: Grafana variables the test does not
// know, a failed query, no data (unless quiet), a metric the programs do
// not export or Prometheus does not have, a recording rule the kit does
// not define.
func (c checker) check(t *testing.T, e expression, quiet bool) []string {
	t.Helper()
	var problems []string
	expr := grafanaVariables.Replace(e.expr)
	if v := leftoverVariable.FindString(expr); v != "" {
		return []string{"a variable the test does not know: " + v}
	}
	for _, name := range metricNames(expr) {
		switch {
		case strings.Contains(name, ":"):
			if !c.recorded[name] {
				problems = append(problems, "no recording rule records "+name)
			}
		case slices.Contains(prometheusSeries, name):
		case !c.exported[name]:
			problems = append(problems, "the programs export no metric "+name)
		case !c.ingested[name]:
			problems = append(problems, "Prometheus has no series "+name)
		}
	}
	n, err := c.api.query(expr)
	switch {
	case err != nil:
		problems = append(problems, "the query failed: "+err.Error())
	case n == 0 && !quiet:
		problems = append(problems, "no data")
	case n > 0 && quiet:
		t.Logf("%s returned %d series on the healthy fullstack (incident-only: %s)", e.where, n, incidentOnly[e.where])
	}
	return problems
}

var labelValues = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)

// checkVariable runs a dashboard variable's label_values query as Grafana
// does, through the label values API: it must find values.
func (c checker) checkVariable(t *testing.T, v expression) {
	t.Helper()
	m := labelValues.FindStringSubmatch(grafanaVariables.Replace(v.expr))
	if m == nil {
		t.Errorf("%s: not a label_values(selector, label) query: %s", v.where, v.expr)
		return
	}
	var values []string
	if err := c.api.call("/api/v1/label/"+m[2]+"/values", url.Values{"match[]": {m[1]}}, &values); err != nil {
		t.Errorf("%s: %v", v.where, err)
	} else if len(values) == 0 {
		t.Errorf("%s: no values: %s", v.where, v.expr)
	}
	for _, name := range metricNames(m[1]) {
		if !c.exported[name] && !slices.Contains(prometheusSeries, name) {
			t.Errorf("%s: the programs export no metric %s", v.where, name)
		}
	}
}

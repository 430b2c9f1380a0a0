package webapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/webapp"
)

func get(t *testing.T, h http.Handler, method, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServesTheBuiltApp(t *testing.T) {
	app, err := webapp.New(webapp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile("dist/index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/app/"} {
		resp := get(t, app, "GET", path)
		if resp.StatusCode != 200 || body(t, resp) != string(index) || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s = %d, Cache-Control %q: want dist/index.html, revalidated", path, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
	// Every file the page loads is here, kept by browsers for good.
	files := regexp.MustCompile(`(?:src|href)="(/app/assets/[^"]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(files) == 0 {
		t.Fatal("index.html loads no /app/assets/ file: build the app (npm --prefix webapp/ui run build)")
	}
	for _, f := range files {
		resp := get(t, app, "GET", f[1], "Accept-Encoding", "gzip")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s = %d, Cache-Control %q", f[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s with Accept-Encoding: gzip is not compressed", f[1])
		}
	}
	for path, status := range map[string]int{
		"/app/assets/":        404, // no listings
		"/app/assets/nope.js": 404,
		"/app/status.json":    404, // no monitor
		"/articles":           404, // the APIs' paths are not the app's
		"/app/config.json/x":  404,
	} {
		if resp := get(t, app, "GET", path); resp.StatusCode != status {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, status)
		}
	}
	if resp := get(t, app, "POST", "/"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", resp.StatusCode)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  webapp.Config
		opts []webapp.Option
		want map[string]string
	}{
		{"defaults", webapp.Config{}, nil, map[string]string{"graphql": "/graphql"}},
		{"development", webapp.Config{DevAPIKey: "k", GraphQLPath: "/api/graphql"}, []webapp.Option{webapp.WithMonitor(webapp.NewMonitor(webapp.MonitorConfig{}, nil))},
			map[string]string{"graphql": "/api/graphql", "devAPIKey": "k", "status": "/app/status.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := webapp.New(tt.cfg, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			resp := get(t, app, "GET", "/app/config.json")
			var got map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("config.json: %v, Cache-Control %q", err, resp.Header.Get("Cache-Control"))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("config = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Fatalf("config = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

type lister struct {
	total int64
	err   error
}

func (l lister) List(context.Context, articles.ListQuery) (articles.Page, error) {
	return articles.Page{Total: l.total}, l.err
}

type lastRuns []etl.LastRun

func (r lastRuns) LastRuns() []etl.LastRun { return r }

func TestStatus(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	pending := prometheus.NewGauge(prometheus.GaugeOpts{Name: "articles_outbox_pending_events", Help: "h"})
	lag := prometheus.NewGauge(prometheus.GaugeOpts{Name: "kafkasync_consumer_lag", Help: "h"})
	up := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gateway_upstream_up", Help: "h"}, []string{"upstream", "target"})
	throttled := prometheus.NewCounter(prometheus.CounterOpts{Name: "gateway_throttled_total", Help: "h"})
	reg.MustRegister(pending, lag, up, throttled)
	pending.Set(3)
	lag.Set(7)
	up.WithLabelValues("rest", "http://a").Set(1)
	up.WithLabelValues("rest", "http://b").Set(0)

	started := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	m := webapp.NewMonitor(webapp.MonitorConfig{
		Gatherer: reg,
		Databases: []webapp.Database{
			{Name: "A", Role: "source", Articles: lister{total: 12}},
			{Name: "B", Role: "replica", Articles: lister{err: errors.New("connection refused")}},
		},
		ETL: lastRuns{{Pipeline: "export", Started: started, Duration: time.Second, Failed: true,
			Steps: []etl.StepStats{{Name: "read", Written: 10}, {Name: "check", Written: 8, Rejected: 2}, {Name: "write", Written: 8}}}},
	}, nil)
	m.Sample()
	throttled.Add(4)
	m.Sample()

	app, err := webapp.New(webapp.Config{}, webapp.WithMonitor(m))
	if err != nil {
		t.Fatal(err)
	}
	resp := get(t, app, "GET", "/app/status.json")
	var st webapp.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if len(st.Databases) != 2 || st.Databases[0].Articles == nil || *st.Databases[0].Articles != 12 ||
		st.Databases[1].Articles != nil || st.Databases[1].Error != "unavailable" {
		t.Errorf("databases = %+v: want A's count and B unavailable, without the cause", st.Databases)
	}
	if st.Outbox == nil || st.Outbox.Pending != 3 || st.Sync == nil || st.Sync.ConsumerLag != 7 || st.Sync.DelaySeconds != nil {
		t.Errorf("outbox %+v, sync %+v", st.Outbox, st.Sync)
	}
	if g := st.Gateway; g == nil || g.ThrottledLastMinute != 4 || len(g.Upstreams) != 2 || !g.Upstreams[0].Up || g.Upstreams[1].Up {
		t.Errorf("gateway = %+v", g)
	}
	wantRun := webapp.ETLRun{Pipeline: "export", Started: started, DurationSeconds: 1, Outcome: "failure",
		Steps: []etl.StepStats{{Name: "read", Written: 10}, {Name: "check", Written: 8, Rejected: 2}, {Name: "write", Written: 8}}}
	if len(st.ETL) != 1 || !reflect.DeepEqual(st.ETL[0], wantRun) {
		t.Errorf("etl = %+v, want %+v", st.ETL, wantRun)
	}
	if len(st.Series.Time) != 2 {
		t.Errorf("%d points, want one per sample", len(st.Series.Time))
	}

	// Without the components, their parts are null, not zeros.
	bare := webapp.NewMonitor(webapp.MonitorConfig{Gatherer: prometheus.NewRegistry()}, nil)
	bare.Sample()
	if st := bare.Status(context.Background()); st.Outbox != nil || st.Sync != nil || st.Gateway != nil || st.ETL == nil || len(st.ETL) != 0 {
		t.Errorf("status of nothing = %+v", st)
	}
}

func TestConfigValidate(t *testing.T) {
	for path, ok := range map[string]bool{
		"": true, "/graphql": true, "/api/graphql": true,
		"graphql": false, "//evil.example/graphql": false, "http://evil.example/graphql": false,
		"/graphql?x=1": false, "/graphql#x": false, "\\evil": false,
	} {
		err := webapp.Config{GraphQLPath: path}.Validate()
		if (err == nil) != ok {
			t.Errorf("GraphQLPath %q: Validate = %v", path, err)
		}
		if _, err := webapp.New(webapp.Config{GraphQLPath: path}); (err == nil) != ok {
			t.Errorf("GraphQLPath %q: New = %v", path, err)
		}
	}
}

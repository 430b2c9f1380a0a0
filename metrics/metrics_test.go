package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/articlekit/articlekit/metrics"
)

func TestHTTPMiddleware(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.NewHTTP(reg)
	if err != nil {
		t.Fatal(err)
	}
	var inFlightDuringRequest float64
	h := m.Middleware("items", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlightDuringRequest = gaugeValue(t, reg, "http_requests_in_flight")
		switch r.URL.Path {
		case "/items/7":
			metrics.SetRoute(r.Context(), "/items/{id}")
			w.WriteHeader(http.StatusTeapot)
		case "/items/8":
			metrics.SetRoute(r.Context(), "/items/{id}")
			_, _ = io.WriteString(w, "implicit 200")
		default:
			http.NotFound(w, r)
		}
	}))
	for _, req := range []struct{ method, path string }{
		{"GET", "/items/7"}, {"GET", "/items/8"}, {"GET", "/items/8"}, {"BREW", "/items/8"}, {"GET", "/random/path/123"},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(req.method, req.path, nil))
	}
	want := `
# HELP http_requests_total HTTP requests served, by server, method, route template and status code.
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/items/{id}",server="items",status="200"} 2
http_requests_total{method="GET",route="/items/{id}",server="items",status="418"} 1
http_requests_total{method="GET",route="unmatched",server="items",status="404"} 1
http_requests_total{method="other",route="/items/{id}",server="items",status="200"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "http_requests_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "http_request_duration_seconds"); n != 3 {
		t.Fatalf("duration series = %d, want 3 (method × route)", n)
	}
	if inFlightDuringRequest != 1 {
		t.Fatalf("in flight during a request = %v, want 1", inFlightDuringRequest)
	}
	if v := gaugeValue(t, reg, "http_requests_in_flight"); v != 0 {
		t.Fatalf("in flight after requests = %v, want 0", v)
	}
	if _, err := metrics.NewHTTP(reg); err == nil {
		t.Fatal("registering HTTP metrics twice on one registry succeeded")
	}
}

// gaugeValue gathers the value of an unlabelled gauge.
func gaugeValue(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestHandlerNegotiatesOpenMetrics(t *testing.T) {
	reg := metrics.NewRegistry()
	srv := httptest.NewServer(metrics.Handler(reg))
	defer srv.Close()
	for accept, want := range map[string]string{
		"": "text/plain",
		"application/openmetrics-text; version=1.0.0": "application/openmetrics-text",
	} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, want) {
			t.Errorf("Accept %q: Content-Type %q, want %s", accept, ct, want)
		}
		for _, metric := range []string{"go_goroutines", "process_cpu_seconds_total"} {
			if !strings.Contains(string(body), metric) {
				t.Errorf("scrape lacks %s", metric)
			}
		}
	}
}

type queueCollector struct{ prometheus.Gauge }

func TestModuleRegistersContributedCollectors(t *testing.T) {
	var g prometheus.Gatherer
	app := fxtest.New(t,
		metrics.Module,
		fx.Provide(metrics.AsCollector(func() *queueCollector {
			c := &queueCollector{prometheus.NewGauge(prometheus.GaugeOpts{Name: "queue_depth", Help: "Items queued."})}
			c.Set(3)
			return c
		})),
		fx.Populate(&g),
	)
	app.RequireStart().RequireStop()
	if err := testutil.GatherAndCompare(g, strings.NewReader("# HELP queue_depth Items queued.\n# TYPE queue_depth gauge\nqueue_depth 3\n"), "queue_depth"); err != nil {
		t.Fatal(err)
	}
}

package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/articlekit/articlekit/metrics"
)

func ExampleHTTP_Middleware() {
	reg := metrics.NewRegistry()
	httpMetrics, _ := metrics.NewHTTP(reg)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		metrics.SetRoute(r.Context(), r.Pattern[len("GET "):]) // the template, never the raw path
	})
	h := httpMetrics.Middleware("items", mux)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/items/42", nil))

	n, _ := testutil.GatherAndCount(reg, "http_requests_total")
	fmt.Println(n, "series")
	// Output: 1 series
}

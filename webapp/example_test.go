package webapp_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/articlekit/articlekit/webapp"
)

// A host program mounts the app in its own server, with a monitor of its
// registry for the status page. Route / and /app/ to it, on the origin
// that also serves /graphql.
func ExampleNew() {
	monitor := webapp.NewMonitor(webapp.MonitorConfig{Gatherer: prometheus.NewRegistry()}, nil)
	// go monitor.Run(ctx) samples until ctx ends.
	app, err := webapp.New(webapp.Config{}, webapp.WithMonitor(monitor))
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/app/config.json", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 {"graphql":"/graphql","status":"/app/status.json"}
}

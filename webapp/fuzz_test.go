package webapp_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/webapp"
)

// No request makes the app fail or list a directory: each is the page, a
// file, the settings, or a 404 or 405, and never anything but the embedded
// build.
func FuzzApp(f *testing.F) {
	for _, seed := range []struct{ method, target string }{
		{"GET", "/"}, {"GET", "/app/"}, {"HEAD", "/app/config.json"}, {"GET", "/app/assets/"},
		{"GET", "/app/assets/..%2f..%2fwebapp.go"}, {"GET", "/app//assets/x"}, {"POST", "/app/status.json"},
		{"GET", "/app/assets/%00"}, {"OPTIONS", "*"}, {"GET", "/dist/index.html"},
	} {
		f.Add(seed.method, seed.target, "gzip")
	}
	app, err := webapp.New(webapp.Config{DevAPIKey: "k"}, webapp.WithMonitor(webapp.NewMonitor(webapp.MonitorConfig{}, nil)))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, target, encoding string) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		req, err := http.NewRequest(method, "http://app.test"+target, nil)
		if err != nil {
			return // not a request a server could receive
		}
		req.Header.Set("Accept-Encoding", encoding)
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusNotModified, http.StatusMovedPermanently, http.StatusTemporaryRedirect,
			http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestedRangeNotSatisfiable:
		default:
			t.Fatalf("%s %s = %d", method, target, rec.Code)
		}
		if rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), "<pre>\n<a href=") {
			t.Fatalf("%s %s lists a directory", method, target)
		}
		if rec.Header().Get("Content-Security-Policy") == "" {
			t.Fatalf("%s %s without a Content-Security-Policy", method, target)
		}
	})
}

package httpserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/articlekit/articlekit/internal/httpserver"
)

func TestRequestID(t *testing.T) {
	var seen string
	h := httpserver.RequestID(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen = httpserver.RequestIDFrom(r.Context())
	}))
	tests := []struct {
		sent string
		kept bool
	}{
		{"abc-123_x.y:z", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"", false},
		{"with space", false},
		{"new\nline", false},
		{"ünïcode", false},
		{"<script>", false},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set(httpserver.RequestIDHeader, tt.sent)
		h.ServeHTTP(rec, req)
		echoed := rec.Header().Get(httpserver.RequestIDHeader)
		if echoed != seen || echoed == "" {
			t.Fatalf("sent %q: echoed %q, handler saw %q", tt.sent, echoed, seen)
		}
		if (echoed == tt.sent) != tt.kept {
			t.Errorf("sent %q: got %q, kept=%v want %v", tt.sent, echoed, echoed == tt.sent, tt.kept)
		}
	}
	if id := httpserver.RequestIDFrom(context.Background()); id != "" {
		t.Fatalf("RequestIDFrom(no id) = %q", id)
	}
}

func TestChainOrderAndRecover(t *testing.T) {
	var order []string
	mark := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order = append(order, name)
				next.ServeHTTP(w, r)
			})
		}
	}
	core, logs := observer.New(zap.ErrorLevel)
	h := httpserver.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }),
		mark("outer"), mark("inner"),
		httpserver.Recover(zap.New(core), func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if strings.Join(order, ",") != "outer,inner" || rec.Code != 500 {
		t.Fatalf("order %v, status %d", order, rec.Code)
	}
	if logs.Len() != 1 || logs.All()[0].ContextMap()["panic"] != "boom" {
		t.Fatalf("panic logs: %v", logs.All())
	}

	abort := httpserver.Recover(zap.NewNop(), nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("ErrAbortHandler not re-raised: %v", v)
		}
	}()
	abort.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestStopBeforeStart(t *testing.T) {
	srv := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0"}, http.NotFoundHandler())
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatalf("Stop before Start = %v", err)
	}
}

package httpserver_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/internal/nettest"
)

// During the drain the server still answers, closing each connection with
// its answer, and readiness sees Draining.
func TestDrainAnswersWithConnectionClose(t *testing.T) {
	ready := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-httpserver.Draining(r.Context()):
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
		}
	})
	srv := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0", DrainPeriod: time.Minute}, ready)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	url := "http://" + srv.Addr().String()
	client := &http.Client{Transport: &http.Transport{}}
	get := func() *http.Response {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := get(); resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("before the drain: %d, close=%v", resp.StatusCode, resp.Close)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop(context.Background()) }()
	// The keep-alive connection of the first request is the one the drain
	// waits for; once it has had its answer, the drain may end.
	deadline := time.Now().Add(10 * time.Second)
	var resp *http.Response
	for resp = get(); resp.StatusCode != http.StatusServiceUnavailable; resp = get() {
		if time.Now().After(deadline) {
			t.Fatal("readiness never saw the drain")
		}
	}
	if !resp.Close {
		t.Fatal("a draining server's answer keeps the connection open")
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Stop = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the drain did not end once every connection had been told to close")
	}
}

// Clients posting over keep-alive connections while the server stops never
// see one of those connections closed under a request: each is closed with
// an answer (Connection: close). Only new connections can fail, once the
// server is going: refused, or reset if they reach the listener as it
// closes.
func TestStopResetsNoKeepAliveClient(t *testing.T) {
	srv := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(time.Millisecond) // some work
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	const request = "POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"title\":\"x\"}"
	load := nettest.StartKeepAliveLoad(srv.Addr().String(), request, 16)
	for load.Answered() < 200 {
		time.Sleep(time.Millisecond)
	}
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if broken := load.Stop(); len(broken) > 0 {
		t.Fatalf("%d requests broke on keep-alive connections while the server stopped (%d answered): %v",
			len(broken), load.Answered(), broken[:min(5, len(broken))])
	}
}

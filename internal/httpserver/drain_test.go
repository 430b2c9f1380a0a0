package httpserver_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/articlekit/articlekit/internal/httpserver"
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
// closes. The clients write on their connections as simple HTTP/1.1
// clients do, with no check that the server has not closed them.
func TestStopResetsNoKeepAliveClient(t *testing.T) {
	srv := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(time.Millisecond) // some work
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr().String()
	const request = "POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"title\":\"x\"}"
	var answered atomic.Int64
	var mu sync.Mutex
	var broken []string
	gone := make(chan struct{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			var conn net.Conn
			var r *bufio.Reader
			var reused bool // conn has carried an answer
			for {
				if conn == nil {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						select {
						case <-gone:
							return // refused: the server is gone
						default:
							time.Sleep(time.Millisecond)
							continue
						}
					}
					conn, r, reused = c, bufio.NewReader(c), false
					defer c.Close()
				}
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				_, err := io.WriteString(conn, request)
				var resp *http.Response
				if err == nil {
					resp, err = http.ReadResponse(r, nil)
				}
				if err != nil {
					if !reused {
						// A new connection that met the listener closing.
						conn.Close()
						conn = nil
						continue
					}
					mu.Lock()
					broken = append(broken, err.Error())
					mu.Unlock()
					conn.Close()
					conn = nil
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answered.Add(1)
				reused = true
				if resp.Close {
					conn.Close()
					conn = nil
				}
			}
		})
	}
	for answered.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	close(gone)
	wg.Wait()
	if len(broken) > 0 {
		t.Fatalf("%d requests broke on keep-alive connections while the server stopped (%d answered): %v",
			len(broken), answered.Load(), broken[:min(5, len(broken))])
	}
}

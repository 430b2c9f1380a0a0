package nettest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// KeepAliveLoad sends one raw HTTP/1.1 request over and over on keep-alive
// connections, as simple clients do: with no check that the server has not
// closed a connection between two requests. A request that fails on a
// connection that has carried an answer is broken — the server closed it
// under the request; one that fails on a new connection only met a server
// going away, and is tried again on another.
type KeepAliveLoad struct {
	answered atomic.Int64
	stop     chan struct{}
	wg       sync.WaitGroup

	mu     sync.Mutex
	broken []string
}

// StartKeepAliveLoad starts clients connections' worth of load on addr.
func StartKeepAliveLoad(addr, request string, clients int) *KeepAliveLoad {
	l := &KeepAliveLoad{stop: make(chan struct{})}
	for range clients {
		l.wg.Go(func() { l.client(addr, request) })
	}
	return l
}

// Answered counts the answers so far.
func (l *KeepAliveLoad) Answered() int64 { return l.answered.Load() }

// Stop ends the load once no connection can be made (the server is gone)
// and returns the broken requests' errors.
func (l *KeepAliveLoad) Stop() []string {
	close(l.stop)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.broken
}

func (l *KeepAliveLoad) client(addr, request string) {
	var conn net.Conn
	var r *bufio.Reader
	reused := false // conn has carried an answer
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		if conn == nil {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				select {
				case <-l.stop:
					return // refused: the server is gone
				default:
					time.Sleep(time.Millisecond)
					continue
				}
			}
			conn, r, reused = c, bufio.NewReader(c), false
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, err := io.WriteString(conn, request)
		var resp *http.Response
		if err == nil {
			resp, err = http.ReadResponse(r, nil)
		}
		if err != nil {
			if reused {
				l.mu.Lock()
				l.broken = append(l.broken, err.Error())
				l.mu.Unlock()
			}
			conn.Close()
			conn = nil
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		l.answered.Add(1)
		reused = true
		if resp.Close {
			conn.Close()
			conn = nil
		}
	}
}

package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// retrier sends a request to the pool's targets: another one after a
// failure, for idempotent requests without a body, up to the route's
// retries; each attempt bounded by the route's timeout.
type retrier struct {
	g     *Gateway
	pool  *pool
	route *Route
}

func (rt *retrier) RoundTrip(req *http.Request) (*http.Response, error) {
	attempts := 1
	if rt.route.Retries > 0 && retriable(req) {
		attempts += rt.route.Retries
	}
	tried := make(map[*target]bool, attempts)
	var (
		last     error          = errNoTarget
		lastResp *http.Response // a failed answer, kept until another target is tried
	)
	for range attempts {
		t := rt.pool.pick(tried)
		if t == nil {
			break
		}
		if lastResp != nil {
			discard(lastResp)
			lastResp = nil
		}
		tried[t] = true
		resp, err := rt.try(req, t)
		failed := err != nil || resp.StatusCode == http.StatusBadGateway ||
			resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout
		// The target's own pool keeps its score: it may be a failover's.
		if !failed {
			t.pool.succeeded(t)
			return resp, nil
		}
		t.pool.failed(t)
		if len(tried) == attempts {
			return resp, err
		}
		if err != nil {
			last = err
		} else {
			lastResp, last = resp, fmt.Errorf("%w: status %d", errUpstream, resp.StatusCode)
		}
		if req.Context().Err() != nil {
			if lastResp != nil {
				discard(lastResp)
			}
			return nil, req.Context().Err()
		}
	}
	if lastResp != nil {
		// No target left to try: the client gets the upstream's own answer.
		return lastResp, nil
	}
	return nil, last
}

// retriable reports whether req may be sent again after a failure: an
// idempotent request without a body, or a POST carrying an
// Idempotency-Key, which the upstream answers once
// (draft-ietf-httpapi-idempotency-key-header), with a body small enough to
// keep. A body is never sent twice otherwise: a conditional PUT whose first
// attempt did commit would be refused the second time.
func retriable(req *http.Request) bool {
	noBody := req.Body == nil || req.Body == http.NoBody
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return noBody
	case http.MethodPost:
		return req.Header.Get("Idempotency-Key") != "" && (noBody || replayable(req))
	}
	return false
}

// maxReplayBody bounds the request bodies kept for a retry.
const maxReplayBody = 1 << 20

// replayable makes req's body, if small (at most maxReplayBody), readable
// once per attempt, and reports whether it could.
func replayable(req *http.Request) bool {
	if req.ContentLength < 0 || req.ContentLength > maxReplayBody {
		return false // unknown or large: sent once, as it streams
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, req.ContentLength))
	if err != nil || int64(len(body)) != req.ContentLength {
		// The client's body broke off: what was read goes on, and the
		// attempt fails as it would have.
		req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), req.Body))
		return false
	}
	_ = req.Body.Close()
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.Body, _ = req.GetBody()
	return true
}

// discard drains (a little of) a response that will not be used, so that
// its connection can serve again, and ends its attempt.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}

// try sends req to t. The attempt lasts until the response body is closed,
// or ends at once when there is no response.
func (rt *retrier) try(req *http.Request, t *target) (*http.Response, error) {
	a := &attempt{target: t}
	a.ctx, a.cancel = context.WithCancelCause(req.Context())
	a.timer = time.AfterFunc(rt.route.Timeout, a.expire)
	t.outstanding.Add(1)
	// The proxy's request is already a copy: only the URL differs per
	// attempt.
	out := req.WithContext(a.ctx)
	if req.GetBody != nil {
		out.Body, _ = req.GetBody() // each attempt reads the body anew
	}
	u := *req.URL
	out.URL = &u
	out.URL.Scheme, out.URL.Host, out.Host = t.url.Scheme, t.url.Host, ""
	if base := strings.TrimSuffix(t.url.Path, "/"); base != "" {
		out.URL.Path = base + out.URL.Path
		if out.URL.RawPath != "" {
			out.URL.RawPath = base + out.URL.RawPath
		}
	}
	start := time.Now()
	resp, err := rt.g.transport.RoundTrip(out)
	rt.g.metrics.observeUpstream(t.pool.name, time.Since(start))
	if err != nil {
		timedOut := errors.Is(context.Cause(a.ctx), context.DeadlineExceeded)
		a.end()
		if timedOut {
			return nil, fmt.Errorf("upstream attempt: %w", context.DeadlineExceeded)
		}
		return nil, err
	}
	if streaming(resp) {
		a.timer.Stop() // a stream lives as long as both ends keep it
	}
	a.body = resp.Body
	if conn, ok := resp.Body.(io.ReadWriteCloser); ok {
		// A switched protocol (101): the proxy writes to the body too.
		resp.Body = &attemptConn{attempt: a, w: conn}
	} else {
		resp.Body = a
	}
	return resp, nil
}

// attempt is one try of a request on one target; as the response body, it
// ends the attempt when closed.
type attempt struct {
	target *target
	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer // the route's timeout
	body   io.ReadCloser
	ended  atomic.Bool
}

func (a *attempt) expire() { a.cancel(context.DeadlineExceeded) }

func (a *attempt) end() {
	if a.ended.CompareAndSwap(false, true) {
		a.timer.Stop()
		a.cancel(nil)
		a.target.outstanding.Add(-1)
	}
}

func (a *attempt) Read(p []byte) (int, error) { return a.body.Read(p) }

func (a *attempt) Close() error {
	err := a.body.Close()
	a.end()
	return err
}

// attemptConn is the body of a switched protocol, which is written too.
type attemptConn struct {
	*attempt
	w io.Writer
}

func (c *attemptConn) Write(p []byte) (int, error) { return c.w.Write(p) }

// streaming tells a long-lived response: a switched protocol (WebSocket)
// or an event stream.
func streaming(resp *http.Response) bool {
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return true
	}
	// Without mime.ParseMediaType: this runs on every response.
	const eventStream = "text/event-stream"
	ct := resp.Header.Get("Content-Type")
	if len(ct) < len(eventStream) || !strings.EqualFold(ct[:len(eventStream)], eventStream) {
		return false
	}
	rest := strings.TrimLeft(ct[len(eventStream):], " \t")
	return rest == "" || rest[0] == ';'
}

// bufferSize is the proxy's copy buffer.
const bufferSize = 32 << 10

// bufferPool lends the proxy its copy buffers instead of it allocating one
// per response. It holds array pointers, so that Put allocates nothing.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if buf, ok := b.p.Get().(*[bufferSize]byte); ok {
		return buf[:]
	}
	return make([]byte, bufferSize)
}

func (b *bufferPool) Put(buf []byte) {
	if len(buf) == bufferSize {
		b.p.Put((*[bufferSize]byte)(buf))
	}
}

package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"runtime/debug"

	"github.com/felixge/httpsnoop"
	"go.uber.org/zap"
)

// RequestIDHeader carries the request id in requests and responses.
const RequestIDHeader = "X-Request-ID"

type requestIDKey struct{}

// RequestID gives every request an id: the client's X-Request-ID when it is
// a sane token (1–128 characters of letters, digits and -_.:), a new random
// one otherwise. The id is echoed in the response and available to handlers
// through RequestIDFrom.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// RequestIDFrom returns the request id RequestID stored in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// AccessLog logs one structured line per request at Info level, with the
// request id when RequestID runs before it.
func AccessLog(log *zap.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m := httpsnoop.CaptureMetrics(next, w, r)
			if ce := log.Check(zap.InfoLevel, "request"); ce != nil {
				ce.Write(
					zap.String("method", r.Method),
					zap.String("path", r.URL.Path),
					zap.Int("status", m.Code),
					zap.Int64("bytes", m.Written),
					zap.Duration("duration", m.Duration),
					zap.String("remote", r.RemoteAddr),
					zap.String("request_id", RequestIDFrom(r.Context())),
				)
			}
		})
	}
}

// Recover turns a panic in next into a 500 response built by onPanic (the
// caller's error format) and an Error log with the stack; the client sees
// no internals. http.ErrAbortHandler is re-raised, as net/http expects.
func Recover(log *zap.Logger, onPanic http.HandlerFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("handler panicked",
					zap.Any("panic", v),
					zap.String("request_id", RequestIDFrom(r.Context())),
					zap.ByteString("stack", debug.Stack()))
				onPanic(w, r)
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// Chain applies middleware so that the first one listed is outermost.
func Chain(h http.Handler, middleware ...func(http.Handler) http.Handler) http.Handler {
	for i := len(middleware) - 1; i >= 0; i-- {
		h = middleware[i](h)
	}
	return h
}

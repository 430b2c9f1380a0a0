package gateway

import (
	"context"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/articlekit/articlekit/internal/httpserver"
)

// info is what the access log and metrics learn about a request as it
// goes.
type info struct {
	route   string
	graphql bool                // the route is a GraphQL route: refusals are GraphQL responses
	id      Identity            // who the request is, once authenticated
	w       http.ResponseWriter // the client's, for streams' deadlines
}

type infoKey struct{}

// infoOf is the info of the request ctx belongs to; nil outside the access
// log.
func infoOf(ctx context.Context) *info {
	in, _ := ctx.Value(infoKey{}).(*info)
	return in
}

// accessLog logs a line per request and counts it in the metrics, with
// the route and consumer the request learnt on its way.
func (g *Gateway) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		in := &info{w: rec}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), infoKey{}, in)))
		status, consumer := rec.statusCode(), consumerLabel(in.id)
		g.metrics.request(in.route, consumer, status)
		if ce := g.log.Check(zap.InfoLevel, "request"); ce != nil {
			ce.Write(zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int("status", status),
				zap.String("route", in.route), zap.String("consumer", consumer), zap.Int64("bytes", rec.written),
				zap.Duration("duration", time.Since(start)), zap.String("remote", r.RemoteAddr),
				zap.String("request_id", httpserver.RequestIDFrom(r.Context())))
		}
	})
}

// recorder notes a response's final status and size for the access log.
// It unwraps for http.ResponseController, which is how the proxy flushes
// streams and hijacks upgraded connections; the gateway's handlers use no
// other optional interface, so a recorder does not need httpsnoop's
// per-request wrapper set (a tenth of the gateway's allocations).
type recorder struct {
	http.ResponseWriter
	status  int
	written int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 { // 1xx (e.g. 103 Early Hints) come before the final one
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.written += int64(n)
	return n, err
}

// Unwrap is for http.ResponseController.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK // the handler wrote nothing: net/http sends 200
	}
	return r.status
}

// consumerLabel keeps metric labels bounded: unconfigured token subjects
// are "unknown".
func consumerLabel(id Identity) string {
	if strings.HasPrefix(id.Consumer, "jwt:") {
		return "unknown"
	}
	return id.Consumer
}

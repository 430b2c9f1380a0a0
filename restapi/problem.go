package restapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/httpserver"
)

// ProblemContentType is the media type of error responses (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem detail, the body of every error response.
// Type is stable: clients branch on it, not on Title or Detail.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors lists the invalid fields of a validation problem.
	Errors []articles.FieldError `json:"errors,omitempty"`
}

// Error makes a Problem usable as an error returned from a handler.
func (p *Problem) Error() string {
	if p.Detail != "" {
		return p.Title + ": " + p.Detail
	}
	return p.Title
}

// Problem types. Each is a stable URN; the README lists them.
const (
	TypeBadRequest           = "urn:articlekit:problem:bad-request"
	TypeNotFound             = "urn:articlekit:problem:not-found"
	TypeMethodNotAllowed     = "urn:articlekit:problem:method-not-allowed"
	TypeConflict             = "urn:articlekit:problem:conflict"
	TypePreconditionFailed   = "urn:articlekit:problem:precondition-failed"
	TypePayloadTooLarge      = "urn:articlekit:problem:payload-too-large"
	TypeUnsupportedMediaType = "urn:articlekit:problem:unsupported-media-type"
	TypeValidation           = "urn:articlekit:problem:validation-failed"
	TypeInternal             = "urn:articlekit:problem:internal"
	TypeUnavailable          = "urn:articlekit:problem:unavailable"
	TypeNoRoute              = "urn:articlekit:problem:no-route"
	// TypeKeyReused answers an Idempotency-Key sent again with another body.
	TypeKeyReused = "urn:articlekit:problem:idempotency-key-reused"
	// TypeClientClosedRequest is recorded, never read: the client is gone.
	TypeClientClosedRequest = "urn:articlekit:problem:client-closed-request"
)

// StatusClientClosedRequest is the status recorded for requests the client
// abandoned (nginx's 499), so that they do not count as server errors.
const StatusClientClosedRequest = 499

var titles = map[string]string{
	TypeStaleVersion:         "Stale version",
	TypeReplicationDisabled:  "Replication disabled",
	TypeBadRequest:           "Bad request",
	TypeNotFound:             "Not found",
	TypeMethodNotAllowed:     "Method not allowed",
	TypeConflict:             "Conflict",
	TypePreconditionFailed:   "Precondition failed",
	TypePayloadTooLarge:      "Payload too large",
	TypeUnsupportedMediaType: "Unsupported media type",
	TypeValidation:           "Validation failed",
	TypeInternal:             "Internal server error",
	TypeUnavailable:          "Service unavailable",
	TypeNoRoute:              "Not found",
	TypeKeyReused:            "Idempotency key reused",
	TypeClientClosedRequest:  "Client closed request",
}

func problem(status int, typ, detail string) *Problem {
	return &Problem{Type: typ, Title: titles[typ], Status: status, Detail: detail}
}

// conditionalError wraps the error of a write that carried If-Match or
// If-None-Match, so that a conflict is reported as 412 rather than 409.
type conditionalError struct{ err error }

func (e *conditionalError) Error() string { return e.err.Error() }
func (e *conditionalError) Unwrap() error { return e.err }

// conditional marks err as the outcome of a conditional request.
func conditional(err error, isConditional bool) error {
	if err == nil || !isConditional {
		return err
	}
	return &conditionalError{err}
}

// problemFor maps an error from a handler to the problem the client sees.
// It is the only place where errors become status codes.
func problemFor(err error) (p *Problem, internal bool) {
	if p, ok := errors.AsType[*Problem](err); ok {
		return p, false
	}
	if verr, ok := errors.AsType[*articles.ValidationError](err); ok {
		p := problem(http.StatusUnprocessableEntity, TypeValidation, "The article has invalid fields; see errors.")
		p.Errors = verr.Fields
		return p, false
	}
	switch {
	case errors.Is(err, articles.ErrKeyReused):
		return problem(http.StatusUnprocessableEntity, TypeKeyReused,
			"This Idempotency-Key came with another article: use a new key for a new request."), false
	case errors.Is(err, articles.ErrNotFound):
		return problem(http.StatusNotFound, TypeNotFound, "No article has this id."), false
	case errors.Is(err, articles.ErrConflict):
		if _, ok := errors.AsType[*conditionalError](err); ok {
			return problem(http.StatusPreconditionFailed, TypePreconditionFailed,
				"The article does not match the request's If-Match or If-None-Match condition."), false
		}
		return problem(http.StatusConflict, TypeConflict, "The article changed concurrently; retry."), false
	case errors.Is(err, context.Canceled):
		// The client went away; the answer is for the logs and metrics only.
		return problem(StatusClientClosedRequest, TypeClientClosedRequest, "The client closed the request."), false
	case errors.Is(err, articles.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return problem(http.StatusServiceUnavailable, TypeUnavailable, "The article store is unavailable; retry later."), true
	default:
		return problem(http.StatusInternalServerError, TypeInternal, "The server failed to handle the request."), true
	}
}

// writeError writes err as a problem response; server-side failures are
// logged with their cause, which the client never sees.
func writeError(w http.ResponseWriter, r *http.Request, log *zap.Logger, err error) {
	p, internal := problemFor(err)
	if internal {
		log.Error("request failed",
			zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.String("request_id", httpserver.RequestIDFrom(r.Context())), zap.Error(err))
	}
	switch p.Status {
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "1")
	case http.StatusRequestEntityTooLarge:
		lingerAfter(w, r, p)
		return
	}
	writeProblem(w, p)
}

// Lingering after a 413: how much more of the body is read and dropped,
// and for how long at most.
const (
	lingerBytes = 64 << 20
	lingerTime  = 5 * time.Second
)

// lingerAfter answers p, then reads and drops what remains of the request
// body, within bounds, before the connection closes — as nginx's lingering
// close does. A client that sends its whole body before reading (Python's
// urllib, say) would otherwise meet a connection reset instead of the
// answer: closing a socket with unread data resets it.
func lingerAfter(w http.ResponseWriter, r *http.Request, p *Problem) {
	rc := http.NewResponseController(w)
	_ = rc.EnableFullDuplex() // read the body after answering
	w.Header().Set("Connection", "close")
	writeProblem(w, p)
	_ = rc.Flush()
	_ = rc.SetReadDeadline(time.Now().Add(lingerTime))
	_, _ = io.CopyN(io.Discard, r.Body, lingerBytes)
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	body, _ := json.Marshal(p) // a Problem always encodes
	h := w.Header()
	h.Set("Content-Type", ProblemContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

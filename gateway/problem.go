package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/articlekit/articlekit/internal/httpserver"
)

// Problem types: the type of every problem document (RFC 9457) the gateway
// and its admin API answer with. They are stable URNs in the REST API's
// namespace, with its names where the meaning is the same; clients branch
// on them, not on title or detail. Each has one status, one title and one
// GraphQL error code (extensions.code, when a GraphQL route answers); the
// README lists them.
const (
	// TypeBadRequest (400): a path with . or .. segments, plain or
	// encoded; a WebSocket handshake to a route that does not allow
	// WebSocket; a body a route transforms, or a GraphQL request, that is
	// not valid JSON or cannot be read; an admin change that does not
	// decode.
	TypeBadRequest = "urn:articlekit:problem:bad-request"
	// TypeUnauthenticated (401): credentials missing or invalid, for a
	// route or the admin API; the answer carries WWW-Authenticate, the
	// detail what is wrong — no credentials, credentials of a scheme the
	// route does not accept, or invalid ones (an unknown key and a revoked
	// one alike) — and what the route accepts.
	TypeUnauthenticated = "urn:articlekit:problem:unauthenticated"
	// TypeForbidden (403): a token without a scope the route, or a GraphQL
	// operation, requires.
	TypeForbidden = "urn:articlekit:problem:forbidden"
	// TypeNoRoute (404): no route, or no admin endpoint, matches the
	// request.
	TypeNoRoute = "urn:articlekit:problem:no-route"
	// TypeNotFound (404): the admin API has no route or consumer of that
	// name to delete.
	TypeNotFound = "urn:articlekit:problem:not-found"
	// TypeMethodNotAllowed (405): a mutation in a GET, or a method other
	// than GET and POST, on a GraphQL route; the answer carries Allow.
	TypeMethodNotAllowed = "urn:articlekit:problem:method-not-allowed"
	// TypePayloadTooLarge (413): a body over the 10 MiB a route
	// transforms, or the 1 MiB a GraphQL route reads.
	TypePayloadTooLarge = "urn:articlekit:problem:payload-too-large"
	// TypeUnsupportedMediaType (415): a body a route transforms that is
	// compressed or not JSON; a GraphQL POST that is not application/json.
	TypeUnsupportedMediaType = "urn:articlekit:problem:unsupported-media-type"
	// TypeGraphQLParseFailed (400): a GraphQL document that does not
	// parse.
	TypeGraphQLParseFailed = "urn:articlekit:problem:graphql-parse-failed"
	// TypeGraphQLRequestInvalid (422): not a well-formed GraphQL-over-HTTP
	// request: no query, a parameter of the wrong type, a batch where
	// batching is off.
	TypeGraphQLRequestInvalid = "urn:articlekit:problem:graphql-request-invalid"
	// TypeGraphQLValidationFailed (422): a GraphQL document the route's
	// schema refuses, or whose operation cannot be determined.
	TypeGraphQLValidationFailed = "urn:articlekit:problem:graphql-validation-failed"
	// TypeDepthLimitExceeded (422): a GraphQL operation nested deeper
	// than the route's max_depth.
	TypeDepthLimitExceeded = "urn:articlekit:problem:depth-limit-exceeded"
	// TypeComplexityLimitExceeded (422): a GraphQL operation costing more
	// than the route's max_complexity.
	TypeComplexityLimitExceeded = "urn:articlekit:problem:complexity-limit-exceeded"
	// TypeValidation (422): an admin change whose configuration has
	// mistakes, every one in the detail; nothing changed.
	TypeValidation = "urn:articlekit:problem:validation-failed"
	// TypeRateLimited (429): the consumer's tier, the route's limit or a
	// GraphQL operation type's or field's is reached; the answer carries
	// Retry-After and RateLimit-*.
	TypeRateLimited = "urn:articlekit:problem:rate-limited"
	// TypeClientClosedRequest (499) is recorded, never read: the client
	// left before the upstream answered.
	TypeClientClosedRequest = "urn:articlekit:problem:client-closed-request"
	// TypeInternal (500): a bug; the detail says nothing, the log the
	// cause.
	TypeInternal = "urn:articlekit:problem:internal"
	// TypeUpstreamFailed (502): the upstream failed without an answer, or
	// answered a body the route could not transform.
	TypeUpstreamFailed = "urn:articlekit:problem:upstream-failed"
	// TypeUpstreamUnavailable (503): no target of the upstream, nor of its
	// failover, takes requests.
	TypeUpstreamUnavailable = "urn:articlekit:problem:upstream-unavailable"
	// TypeUpstreamTimeout (504): the upstream did not answer within the
	// route's timeout.
	TypeUpstreamTimeout = "urn:articlekit:problem:upstream-timeout"
)

// statusClientClosedRequest is nginx's status for a request the client
// abandoned, so that it does not count as a server error.
const statusClientClosedRequest = 499

// kinds gives each problem type its status, title and GraphQL error code.
var kinds = map[string]struct {
	status      int
	title, code string
}{
	TypeBadRequest:              {http.StatusBadRequest, "Bad request", "BAD_REQUEST"},
	TypeUnauthenticated:         {http.StatusUnauthorized, "Unauthenticated", "UNAUTHENTICATED"},
	TypeForbidden:               {http.StatusForbidden, "Forbidden", "FORBIDDEN"},
	TypeNoRoute:                 {http.StatusNotFound, "Not found", "NOT_FOUND"},
	TypeNotFound:                {http.StatusNotFound, "Not found", "NOT_FOUND"},
	TypeMethodNotAllowed:        {http.StatusMethodNotAllowed, "Method not allowed", "METHOD_NOT_ALLOWED"},
	TypePayloadTooLarge:         {http.StatusRequestEntityTooLarge, "Payload too large", "PAYLOAD_TOO_LARGE"},
	TypeUnsupportedMediaType:    {http.StatusUnsupportedMediaType, "Unsupported media type", "UNSUPPORTED_MEDIA_TYPE"},
	TypeGraphQLParseFailed:      {http.StatusBadRequest, "GraphQL parse failed", "GRAPHQL_PARSE_FAILED"},
	TypeGraphQLRequestInvalid:   {http.StatusUnprocessableEntity, "GraphQL request invalid", "BAD_REQUEST"},
	TypeGraphQLValidationFailed: {http.StatusUnprocessableEntity, "GraphQL validation failed", "GRAPHQL_VALIDATION_FAILED"},
	TypeDepthLimitExceeded:      {http.StatusUnprocessableEntity, "Depth limit exceeded", "DEPTH_LIMIT_EXCEEDED"},
	TypeComplexityLimitExceeded: {http.StatusUnprocessableEntity, "Complexity limit exceeded", "COMPLEXITY_LIMIT_EXCEEDED"},
	TypeValidation:              {http.StatusUnprocessableEntity, "Validation failed", "VALIDATION_FAILED"},
	TypeRateLimited:             {http.StatusTooManyRequests, "Rate limited", "RATE_LIMITED"},
	TypeClientClosedRequest:     {statusClientClosedRequest, "Client closed request", "CLIENT_CLOSED_REQUEST"},
	TypeInternal:                {http.StatusInternalServerError, "Internal server error", "INTERNAL_SERVER_ERROR"},
	TypeUpstreamFailed:          {http.StatusBadGateway, "Upstream failed", "UPSTREAM_FAILED"},
	TypeUpstreamUnavailable:     {http.StatusServiceUnavailable, "Upstream unavailable", "UPSTREAM_UNAVAILABLE"},
	TypeUpstreamTimeout:         {http.StatusGatewayTimeout, "Upstream timed out", "UPSTREAM_TIMEOUT"},
}

// problem is a problem document and the headers that go with it.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`

	challenge  string // WWW-Authenticate, on a 401
	retryAfter int    // seconds, on a 429
	allow      string // Allow, on a 405
}

func newProblem(typ, detail string) problem {
	k := kinds[typ]
	return problem{Type: typ, Title: k.title, Status: k.status, Detail: detail}
}

// authError refuses a request's credentials. err is or wraps
// ErrUnauthenticated or ErrForbidden, with a cause that may not be shown
// (a JWKS fetch's failure); challenge answers a 401 in WWW-Authenticate.
type authError struct {
	err       error
	challenge string
}

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// limitError refuses a request over a limit.
type limitError struct {
	limit      string        // consumer or route
	retryAfter time.Duration // until a request is allowed again
}

func (e *limitError) Error() string { return "rate limit reached (" + e.limit + ")" }

// bodyError is a request body its route could not transform.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// graphqlError refuses a GraphQL request the gateway read: kind (one of
// the errGraphQL… errors) says why, detail says what in the client's own
// request is wrong, which the client may read.
type graphqlError struct {
	kind   error
	detail string
}

func (e *graphqlError) Error() string { return e.kind.Error() + ": " + e.detail }
func (e *graphqlError) Unwrap() error { return e.kind }

// upstreamError is an exchange with the upstream that failed, as the proxy
// reports it: no target, a timeout, a transport's error, a response body
// the route could not transform. clientGone tells that the client had left
// by then.
type upstreamError struct {
	err        error
	clientGone bool
}

func (e *upstreamError) Error() string { return "upstream: " + e.err.Error() }
func (e *upstreamError) Unwrap() error { return e.err }

// inputError is an admin change that does not decode; its text, about the
// admin's own input, is the detail.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// configError is an admin change the configuration refuses; its text, the
// configuration's mistakes, is the detail.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// problemFor maps an error of the gateway or its admin API to the problem
// the client sees, and tells whether the cause is worth a log line. It is
// the only place where their errors become statuses.
func problemFor(err error) (p problem, logged bool) {
	if e, ok := errors.AsType[*upstreamError](err); ok {
		switch {
		case e.clientGone && errors.Is(err, context.Canceled):
			return newProblem(TypeClientClosedRequest, "the client closed the request"), false
		case errors.Is(err, errNoTarget):
			return newProblem(TypeUpstreamUnavailable, "no upstream is available"), false
		case errors.Is(err, context.DeadlineExceeded):
			return newProblem(TypeUpstreamTimeout, "the upstream did not answer in time"), false
		}
		return newProblem(TypeUpstreamFailed, "the upstream failed"), true
	}
	if e, ok := errors.AsType[*authError](err); ok {
		if errors.Is(err, ErrForbidden) {
			// The authenticator's text: the sentinel's and the scope's.
			return newProblem(TypeForbidden, e.err.Error()), false
		}
		detail := ErrUnauthenticated.Error()
		if ce, ok := errors.AsType[*credentialsError](err); ok {
			detail = ce.detail()
		}
		p := newProblem(TypeUnauthenticated, detail)
		p.challenge = e.challenge
		return p, false
	}
	if e, ok := errors.AsType[*limitError](err); ok {
		p := newProblem(TypeRateLimited, e.Error())
		p.retryAfter = max(1, seconds(e.retryAfter))
		return p, false
	}
	if _, ok := errors.AsType[*bodyError](err); ok {
		switch {
		case errors.Is(err, errBodyTooLarge):
			return newProblem(TypePayloadTooLarge, "the body is too large to transform"), false
		case errors.Is(err, errBodyEncoded):
			return newProblem(TypeUnsupportedMediaType, "this route transforms bodies: send it without Content-Encoding"), false
		case errors.Is(err, errBodyType):
			return newProblem(TypeUnsupportedMediaType, "this route takes JSON bodies"), false
		case errors.Is(err, errBodyNotJSON):
			return newProblem(TypeBadRequest, "the body is not valid JSON"), false
		}
		return newProblem(TypeBadRequest, "the body could not be read"), false
	}
	if e, ok := errors.AsType[*graphqlError](err); ok {
		typ := TypeGraphQLRequestInvalid
		switch e.kind {
		case errGraphQLUnreadable:
			typ = TypeBadRequest
		case errGraphQLMediaType:
			typ = TypeUnsupportedMediaType
		case errGraphQLTooLarge:
			typ = TypePayloadTooLarge
		case errGraphQLParse:
			typ = TypeGraphQLParseFailed
		case errGraphQLInvalid:
			typ = TypeGraphQLValidationFailed
		case errGraphQLDepth:
			typ = TypeDepthLimitExceeded
		case errGraphQLComplexity:
			typ = TypeComplexityLimitExceeded
		case errGraphQLMethod, errGraphQLMutationGET:
			typ = TypeMethodNotAllowed
		}
		p := newProblem(typ, e.detail)
		switch e.kind {
		case errGraphQLMethod:
			p.allow = "GET, POST"
		case errGraphQLMutationGET:
			p.allow = "POST"
		}
		return p, false
	}
	if e, ok := errors.AsType[*inputError](err); ok {
		return newProblem(TypeBadRequest, e.Error()), false
	}
	if e, ok := errors.AsType[*configError](err); ok {
		return newProblem(TypeValidation, strings.TrimPrefix(e.Error(), "gateway: ")), false
	}
	switch {
	case errors.Is(err, errDotSegment):
		return newProblem(TypeBadRequest, errDotSegment.Error()), false
	case errors.Is(err, errWebSocketRefused):
		return newProblem(TypeBadRequest, errWebSocketRefused.Error()), false
	case errors.Is(err, errNoRoute):
		return newProblem(TypeNoRoute, errNoRoute.Error()), false
	case errors.Is(err, errNoAdminEndpoint):
		return newProblem(TypeNoRoute, errNoAdminEndpoint.Error()), false
	case errors.Is(err, errNoItem):
		return newProblem(TypeNotFound, errNoItem.Error()), false
	case errors.Is(err, errPanicked):
		return newProblem(TypeInternal, ""), false // Recover logged it, with the stack
	}
	return newProblem(TypeInternal, ""), true
}

// writeError answers err with its problem: a problem document, or on a
// GraphQL route a GraphQL response (see writeGraphQLProblem). A cause worth
// a look (an upstream's failure, a bug) is logged with the request's id;
// the client never sees it.
func writeError(w http.ResponseWriter, r *http.Request, log *zap.Logger, err error) {
	p, logged := problemFor(err)
	if logged {
		log.Warn("request failed", zap.String("problem", p.Type), zap.Error(err),
			zap.String("request_id", httpserver.RequestIDFrom(r.Context())))
	}
	if in := infoOf(r.Context()); in != nil && in.graphql {
		writeGraphQLProblem(w, r, p)
		return
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p problem) {
	problemHeaders(w.Header(), p, "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// problemHeaders sets the headers that go with p, in a body of
// contentType.
func problemHeaders(h http.Header, p problem, contentType string) {
	if p.challenge != "" {
		h.Set("WWW-Authenticate", p.challenge)
	}
	if p.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.retryAfter))
	}
	if p.allow != "" {
		h.Set("Allow", p.allow)
	}
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
}

// graphqlErrorOf is p as the one error of a GraphQL response: the detail
// (the title when there is none) its message, the type's code its
// extensions.code, with the problem's type, status and Retry-After
// (retryAfter, in seconds) beside it.
func graphqlErrorOf(p problem) map[string]any {
	message := p.Detail
	if message == "" {
		message = p.Title
	}
	ext := map[string]any{"code": kinds[p.Type].code, "type": p.Type, "status": p.Status}
	if p.retryAfter > 0 {
		ext["retryAfter"] = p.retryAfter // where there is no Retry-After header: a WebSocket's error message
	}
	return map[string]any{"message": message, "extensions": ext}
}

// writeGraphQLProblem answers p as GraphQL over HTTP does a request error:
// a GraphQL response with an errors entry and no data, the problem's
// status and headers (WWW-Authenticate, Retry-After, Allow), in
// application/graphql-response+json when the client accepts it, else
// application/json.
func writeGraphQLProblem(w http.ResponseWriter, r *http.Request, p problem) {
	problemHeaders(w.Header(), p, graphqlMediaType(r.Header))
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{graphqlErrorOf(p)}})
}

// Media types of GraphQL responses.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// graphqlMediaType is the media type a GraphQL answer to h's request takes:
// application/graphql-response+json when its Accept lists it (with a
// quality above 0, not below application/json's), else application/json
// — a legacy client's.
func graphqlMediaType(h http.Header) string {
	gql, js := -1.0, -1.0
	for _, v := range h.Values("Accept") {
		for item := range strings.SplitSeq(v, ",") {
			mt, params, _ := mime.ParseMediaType(item)
			q := 1.0
			if s, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					q = f
				}
			}
			switch mt {
			case mediaGraphQLResponse:
				gql = max(gql, q)
			case mediaJSON:
				js = max(js, q)
			}
		}
	}
	if gql > 0 && gql >= js {
		return mediaGraphQLResponse
	}
	return mediaJSON
}

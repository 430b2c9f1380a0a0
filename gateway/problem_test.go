package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Every error the gateway and its admin API answer with has one problem
// type, status and title; causes stay out of the detail, and only the ones
// worth a look are logged.
func TestProblemFor(t *testing.T) {
	leak := errors.New("dial tcp 10.9.8.7:443: connection refused") // what a client must never see
	for _, tt := range []struct {
		name       string
		err        error
		typ        string
		status     int
		detail     string
		logged     bool
		challenge  string
		retryAfter int
	}{
		{"dot segment", errDotSegment, TypeBadRequest, 400, "the path has . or .. segments", false, "", 0},
		{"websocket refused", errWebSocketRefused, TypeBadRequest, 400, "this route does not allow WebSocket upgrades", false, "", 0},
		{"no route", errNoRoute, TypeNoRoute, 404, "no route matches this request", false, "", 0},
		{"no admin endpoint", errNoAdminEndpoint, TypeNoRoute, 404, "no such admin endpoint", false, "", 0},
		{"no item", errNoItem, TypeNotFound, 404, "no such item", false, "", 0},
		{"unauthenticated", &authError{fmt.Errorf("%w: %w", ErrUnauthenticated, leak), `ApiKey realm="articlekit", header="apikey"`},
			TypeUnauthenticated, 401, "missing or invalid credentials", false, `ApiKey realm="articlekit", header="apikey"`, 0},
		{"a bad token", &authError{&credentialsError{problem: credentialsInvalid, scheme: AuthJWT, accepted: []string{AuthJWT}, cause: leak}, "Bearer"},
			TypeUnauthenticated, 401, "the bearer token is not valid", false, "Bearer", 0},
		{"no credentials", &authError{&credentialsError{problem: credentialsMissing, accepted: []string{AuthAPIKey, AuthBasic}}, "ApiKey"},
			TypeUnauthenticated, 401, "no credentials: send an API key (apikey or X-API-Key header) or HTTP Basic credentials", false, "ApiKey", 0},
		{"forbidden", &authError{fmt.Errorf("%w: %s", ErrForbidden, "articles:write"), "Bearer"},
			TypeForbidden, 403, "credentials lack a required scope: articles:write", false, "", 0},
		{"rate limited", &limitError{limit: "route", retryAfter: 1500 * time.Millisecond},
			TypeRateLimited, 429, "rate limit reached (route)", false, "", 2},
		{"rate limited, under a second", &limitError{limit: "consumer", retryAfter: time.Millisecond},
			TypeRateLimited, 429, "rate limit reached (consumer)", false, "", 1},
		{"body too large", &bodyError{errBodyTooLarge}, TypePayloadTooLarge, 413, "the body is too large to transform", false, "", 0},
		{"body encoded", &bodyError{errBodyEncoded}, TypeUnsupportedMediaType, 415,
			"this route transforms bodies: send it without Content-Encoding", false, "", 0},
		{"body not labelled JSON", &bodyError{errBodyType}, TypeUnsupportedMediaType, 415, "this route takes JSON bodies", false, "", 0},
		{"body not JSON", &bodyError{errBodyNotJSON}, TypeBadRequest, 400, "the body is not valid JSON", false, "", 0},
		{"body unreadable", &bodyError{leak}, TypeBadRequest, 400, "the body could not be read", false, "", 0},
		{"admin input", &inputError{errors.New("yaml: line 1: field colour not found")}, TypeBadRequest, 400,
			"yaml: line 1: field colour not found", false, "", 0},
		{"admin config", &configError{errors.New("gateway: invalid config:\nroute \"x\": unknown upstream \"y\"")}, TypeValidation, 422,
			"invalid config:\nroute \"x\": unknown upstream \"y\"", false, "", 0},
		{"client gone", &upstreamError{err: context.Canceled, clientGone: true}, TypeClientClosedRequest, 499,
			"the client closed the request", false, "", 0},
		{"canceled, client still there", &upstreamError{err: context.Canceled}, TypeUpstreamFailed, 502, "the upstream failed", true, "", 0},
		{"no target", &upstreamError{err: errNoTarget}, TypeUpstreamUnavailable, 503, "no upstream is available", false, "", 0},
		{"timeout", &upstreamError{err: fmt.Errorf("upstream attempt: %w", context.DeadlineExceeded)}, TypeUpstreamTimeout, 504,
			"the upstream did not answer in time", false, "", 0},
		{"upstream failed", &upstreamError{err: leak}, TypeUpstreamFailed, 502, "the upstream failed", true, "", 0},
		{"response body not JSON", &upstreamError{err: errBodyNotJSON}, TypeUpstreamFailed, 502, "the upstream failed", true, "", 0},
		{"panic", errPanicked, TypeInternal, 500, "", false, "", 0},
		{"a bug", leak, TypeInternal, 500, "", true, "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, logged := problemFor(tt.err)
			if p.Type != tt.typ || p.Status != tt.status || p.Detail != tt.detail || logged != tt.logged ||
				p.challenge != tt.challenge || p.retryAfter != tt.retryAfter {
				t.Errorf("problemFor = %+v, logged %v", p, logged)
			}
			if p.Title == "" || p.Title != kinds[tt.typ].title {
				t.Errorf("title %q", p.Title)
			}
			if strings.Contains(p.Detail, "10.9.8.7") {
				t.Errorf("the detail shows the cause: %q", p.Detail)
			}
		})
	}
}

// Each type is in the REST API's namespace and has a status and a title.
func TestProblemKinds(t *testing.T) {
	for typ, k := range kinds {
		if !strings.HasPrefix(typ, "urn:articlekit:problem:") || k.title == "" ||
			(http.StatusText(k.status) == "" && k.status != statusClientClosedRequest) {
			t.Errorf("%s: %+v", typ, k)
		}
	}
}

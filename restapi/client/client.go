// Package client is a typed Go client for the ArticleKit REST API. It speaks
// in the articles package's types and maps the API's problem responses back
// to its errors, so callers test them exactly as with an in-process
// articles.Service:
//
//	c, err := client.New("http://127.0.0.1:5000")
//	a, err := c.Get(ctx, 42)
//	if errors.Is(err, articles.ErrNotFound) { … }
//
// Every answer that is not a success becomes an articles error, so callers
// decide on those alone (see errorFor for the whole mapping): a missing
// article is articles.ErrNotFound, a failed precondition
// articles.ErrConflict, invalid fields an *articles.ValidationError, any
// other refusal of the request itself articles.ErrInvalid, and network
// failures, 5xx, 429 and answers that say the server does not serve this
// client (401, 403, a path it has no route for) articles.ErrUnavailable.
// The client does not retry: callers choose their own policy.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/restapi"
)

// Client calls one REST API server. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	http    *http.Client
	timeout time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client. Default: a client whose transport
// keeps up to 256 idle connections to the server.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithTimeout bounds each call, on top of the caller's context. Default: 10s.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// New returns a client for the API at baseURL, e.g. http://127.0.0.1:5000.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q: want http(s)://host[:port][/path]", baseURL)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 256
	transport.MaxIdleConnsPerHost = 256
	c := &Client{base: u, http: &http.Client{Transport: transport}, timeout: 10 * time.Second}
	for _, opt := range opts {
		opt(c)
	}
	return c, nil
}

// Error is the server's answer behind an articles.ErrInvalid or
// articles.ErrUnavailable, kept for logs: callers decide with errors.Is on
// the articles errors, which it unwraps to.
type Error struct {
	Status  int
	Problem restapi.Problem
	kind    error
}

// Error describes the answer.
func (e *Error) Error() string {
	return fmt.Sprintf("articlekit API: %d %s", e.Status, e.Problem.Error())
}

// Unwrap returns the articles error the answer means.
func (e *Error) Unwrap() error { return e.kind }

// Create stores a new article, once: it sends a new Idempotency-Key and,
// when the answer does not arrive (the connection fails, or the server or
// a gateway answers 502, 503 or 504), sends the request again with the same
// key, up to three times in all within the call's timeout. A retry of a
// create that did happen replays it rather than creating a second article.
func (c *Client) Create(ctx context.Context, d articles.Draft) (articles.Article, error) {
	key, err := uuid.NewV7()
	if err != nil {
		return articles.Article{}, fmt.Errorf("client: idempotency key: %w", err)
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		a, _, err := c.CreateOnce(ctx, key.String(), d)
		if err == nil || attempt == createAttempts || !retryable(err) {
			return a, err
		}
		select {
		case <-ctx.Done():
			return a, err
		case <-time.After(wait):
		}
		wait *= 4
	}
}

// createAttempts bounds Create's tries.
const createAttempts = 3

// retryable reports whether a create may have failed before its answer
// reached us, for reasons a retry can outlast.
func retryable(err error) bool {
	if apiErr, ok := errors.AsType[*Error](err); ok {
		return apiErr.Status == http.StatusBadGateway || apiErr.Status == http.StatusServiceUnavailable ||
			apiErr.Status == http.StatusGatewayTimeout
	}
	return errors.Is(err, articles.ErrUnavailable) // the connection failed
}

// CreateOnce stores a new article under an idempotency key (the
// Idempotency-Key header): sent again with the same key and draft, the
// server replays its first answer — replayed is then true — and creates
// nothing; the key with another draft is articles.ErrKeyReused.
func (c *Client) CreateOnce(ctx context.Context, key string, d articles.Draft) (a articles.Article, replayed bool, err error) {
	h := http.Header{}
	h.Set(restapi.IdempotencyKeyHeader, strconv.Quote(key))
	r, err := c.call(ctx, http.MethodPost, "/articles", d, h, &a)
	if err != nil {
		return articles.Article{}, false, err
	}
	return a, r.header.Get(restapi.IdempotentReplayedHeader) == "true", nil
}

// Get returns the live article id.
func (c *Client) Get(ctx context.Context, id int64) (articles.Article, error) {
	var a articles.Article
	_, err := c.call(ctx, http.MethodGet, articlePath(id), nil, nil, &a)
	return a, err
}

// List returns one page of articles. AfterID pages by cursor, Offset by
// offset; Page.Total comes from X-Total-Count.
func (c *Client) List(ctx context.Context, q articles.ListQuery) (articles.Page, error) {
	if err := q.Validate(); err != nil {
		return articles.Page{}, err
	}
	v := url.Values{}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	if q.AfterID > 0 {
		v.Set("cursor", strconv.FormatInt(q.AfterID, 10))
	}
	if q.Author != "" {
		v.Set("author", q.Author)
	}
	if q.Tag != "" {
		v.Set("tag", q.Tag)
	}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	path := "/articles"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var page articles.Page
	r, err := c.call(ctx, http.MethodGet, path, nil, nil, &page.Articles)
	if err != nil {
		return articles.Page{}, err
	}
	page.Total, _ = strconv.ParseInt(r.header.Get("X-Total-Count"), 10, 64)
	if q.SkipTotal {
		// The REST API always counts; report it as the service would.
		page.Total = -1
	}
	page.More = nextLink(r.header) != ""
	return page, nil
}

// All iterates over every article matching q's filters, following the
// API's next-page links; q.Limit sets the page size.
func (c *Client) All(ctx context.Context, q articles.ListQuery) iter.Seq2[articles.Article, error] {
	return func(yield func(articles.Article, error) bool) {
		for {
			page, err := c.List(ctx, q)
			if err != nil {
				yield(articles.Article{}, err)
				return
			}
			for _, a := range page.Articles {
				if !yield(a, nil) {
					return
				}
			}
			if !page.More || len(page.Articles) == 0 {
				return
			}
			q.Offset, q.AfterID = 0, page.Articles[len(page.Articles)-1].ID
		}
	}
}

// Update replaces the live article id. With expectedVersion non-zero it
// fails with ErrConflict unless that is the stored version.
func (c *Client) Update(ctx context.Context, id int64, d articles.Draft, expectedVersion int64) (articles.Article, error) {
	a, _, err := c.Put(ctx, id, d, articles.Precondition{Version: expectedVersion, MustExist: true})
	if errors.Is(err, articles.ErrConflict) {
		// 412 also answers a missing article; tell the two apart as the
		// in-process service does.
		if _, getErr := c.Get(ctx, id); errors.Is(getErr, articles.ErrNotFound) {
			return articles.Article{}, articles.ErrNotFound
		}
	}
	return a, err
}

// Put replaces article id or creates it under that id; created reports which.
func (c *Client) Put(ctx context.Context, id int64, d articles.Draft, pre articles.Precondition) (a articles.Article, created bool, err error) {
	h := http.Header{}
	switch {
	case pre.Version != 0:
		h.Set("If-Match", strconv.Quote(strconv.FormatInt(pre.Version, 10)))
	case pre.MustExist:
		h.Set("If-Match", "*")
	}
	if pre.MustNotExist {
		h.Set("If-None-Match", "*")
	}
	r, err := c.call(ctx, http.MethodPut, articlePath(id), d, h, &a)
	if err != nil {
		return articles.Article{}, false, err
	}
	return a, r.status == http.StatusCreated, nil
}

// Delete deletes the live article id. With expectedVersion non-zero it
// fails with ErrConflict unless that is the stored version.
func (c *Client) Delete(ctx context.Context, id int64, expectedVersion int64) error {
	h := http.Header{}
	if expectedVersion != 0 {
		h.Set("If-Match", strconv.Quote(strconv.FormatInt(expectedVersion, 10)))
	}
	_, err := c.call(ctx, http.MethodDelete, articlePath(id), nil, h, nil)
	return err
}

// Validate checks d with the server without storing it: nil or a
// *articles.ValidationError.
func (c *Client) Validate(ctx context.Context, d articles.Draft) error {
	_, err := c.call(ctx, http.MethodPost, "/articles/validate", d, nil, nil)
	return err
}

// Ping checks that the server is ready (its database reachable).
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.call(ctx, http.MethodGet, "/ready", nil, nil, nil)
	return err
}

func articlePath(id int64) string { return "/articles/" + strconv.FormatInt(id, 10) }

// reply is what call keeps of a successful answer.
type reply struct {
	status int
	header http.Header
}

// call sends one request and decodes a 2xx JSON answer into out (when
// non-nil), or maps the error answer.
func (c *Client) call(ctx context.Context, method, path string, in any, h http.Header, out any) (*reply, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("client: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
		}
		return nil, fmt.Errorf("client: %s %s: %w: %w", method, path, articles.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	// Bound what we read: the server caps its answers well below this.
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: read response: %w: %w", method, path, articles.ErrUnavailable, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out != nil && resp.StatusCode != http.StatusNoContent {
			if err := json.Unmarshal(data, out); err != nil {
				return nil, fmt.Errorf("client: %s %s: decode response: %w", method, path, err)
			}
		}
		return &reply{status: resp.StatusCode, header: resp.Header}, nil
	}
	return nil, errorFor(resp.StatusCode, data)
}

// errorFor maps an error answer back to the articles errors. It is the only
// place where statuses become errors.
func errorFor(status int, body []byte) error {
	var p restapi.Problem
	if json.Unmarshal(body, &p) != nil || p.Type == "" {
		p = restapi.Problem{Status: status, Title: http.StatusText(status)}
	}
	answer := func(kind error) error { return &Error{Status: status, Problem: p, kind: kind} }
	switch {
	case p.Type == restapi.TypeStaleVersion:
		return &staleError{answer(articles.ErrConflict)}
	case p.Type == restapi.TypeValidation:
		return &articles.ValidationError{Fields: p.Errors}
	case p.Type == restapi.TypeKeyReused:
		return answer(articles.ErrKeyReused)
	case status == http.StatusNotFound && p.Type == restapi.TypeNotFound:
		return articles.ErrNotFound
	case status == http.StatusPreconditionFailed, status == http.StatusConflict:
		return articles.ErrConflict
	case status == http.StatusBadRequest, status == http.StatusRequestEntityTooLarge,
		status == http.StatusRequestURITooLong, status == http.StatusUnsupportedMediaType,
		status == http.StatusUnprocessableEntity, status == http.StatusRequestHeaderFieldsTooLarge:
		// The request itself: sending it again cannot succeed.
		return answer(articles.ErrInvalid)
	default:
		// 5xx and 429; 401 and 403 (this client is not let in); 404 without
		// the API's not-found type and 405 (the base URL does not serve the
		// API); anything else unexpected. The same call may succeed once the
		// server, or its configuration, is right.
		return answer(articles.ErrUnavailable)
	}
}

var linkNext = regexp.MustCompile(`<([^>]*)>\s*;\s*rel="?next"?`)

func nextLink(h http.Header) string {
	if m := linkNext.FindStringSubmatch(h.Get("Link")); m != nil {
		return m[1]
	}
	return ""
}

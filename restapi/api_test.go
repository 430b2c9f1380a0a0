package restapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
)

type harness struct {
	t      *testing.T
	store  *articles.Store
	svc    *articles.Service
	api    *restapi.API
	srv    *httptest.Server
	client *http.Client
	logs   *observer.ObservedLogs
}

func newHarness(t *testing.T, opts ...restapi.Option) *harness {
	t.Helper()
	store := articlestest.NewStore(t, articlestest.NewDatabase(t, sqldb.SQLite))
	svc := articles.NewService(store)
	h := newHarnessFor(t, svc, svc, opts...)
	h.store = store
	return h
}

func newHarnessFor(t *testing.T, svc *articles.Service, backend restapi.Articles, opts ...restapi.Option) *harness {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	reg := metrics.NewRegistry()
	httpMetrics, err := metrics.NewHTTP(reg)
	if err != nil {
		t.Fatal(err)
	}
	if svc != nil {
		reg.MustRegister(svc.Collector())
	}
	opts = append([]restapi.Option{restapi.WithLogger(zap.New(core)), restapi.WithMetrics(httpMetrics, reg)}, opts...)
	api := restapi.New(backend, opts...)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &harness{t: t, svc: svc, api: api, srv: srv, logs: logs,
		client: &http.Client{Transport: newContractTransport(t)}}
}

// do sends a request; headers come in name, value pairs.
func (h *harness) do(method, path, body string, headers ...string) (*http.Response, string) {
	h.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, string(b)
}

func (h *harness) create(title string, tags ...string) articles.Article {
	h.t.Helper()
	body, _ := json.Marshal(articles.Draft{Title: title, Author: "ada", Content: "text", Tags: tags})
	resp, got := h.do("POST", "/articles", string(body))
	if resp.StatusCode != http.StatusCreated {
		h.t.Fatalf("POST /articles = %d %s", resp.StatusCode, got)
	}
	var a articles.Article
	if err := json.Unmarshal([]byte(got), &a); err != nil {
		h.t.Fatal(err)
	}
	return a
}

// state is what bad requests must leave untouched: the articles and the outbox.
func (h *harness) state() string {
	h.t.Helper()
	page, err := h.svc.List(context.Background(), articles.ListQuery{Limit: articles.MaxPageSize})
	if err != nil {
		h.t.Fatal(err)
	}
	stats, err := h.store.Outbox().Stats(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	b, _ := json.Marshal(page)
	return fmt.Sprintf("%s outbox=%d", b, stats.Pending)
}

func problemOf(t *testing.T, resp *http.Response, body string) restapi.Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != restapi.ProblemContentType {
		t.Fatalf("error response has Content-Type %q, want %s; body %s", ct, restapi.ProblemContentType, body)
	}
	var p restapi.Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	if p.Status != resp.StatusCode || p.Type == "" || p.Title == "" {
		t.Fatalf("problem %+v does not match status %d", p, resp.StatusCode)
	}
	return p
}

func TestBadRequestsChangeNothing(t *testing.T) {
	h := newHarness(t, restapi.WithReplication())
	a := h.create("Existing", "x")
	id := strconv.FormatInt(a.ID, 10)
	big := `{"title":"big","content":"` + strings.Repeat("a", restapi.DefaultMaxBodyBytes) + `"}`
	tests := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		problemType              string
	}{
		{"malformed JSON", "POST", "/articles", `{"title":`, nil, 400, restapi.TypeBadRequest},
		{"not an object", "POST", "/articles", `["title"]`, nil, 400, restapi.TypeBadRequest},
		{"null body", "POST", "/articles", `null`, nil, 400, restapi.TypeBadRequest},
		{"trailing data", "POST", "/articles", `{"title":"a"} {"title":"b"}`, nil, 400, restapi.TypeBadRequest},
		{"unknown field", "POST", "/articles", `{"title":"a","id":5}`, nil, 400, restapi.TypeBadRequest},
		{"wrong type", "POST", "/articles", `{"title":5}`, nil, 400, restapi.TypeBadRequest},
		{"tags not strings", "POST", "/articles", `{"title":"a","tags":[1]}`, nil, 400, restapi.TypeBadRequest},
		{"text/plain", "POST", "/articles", `{"title":"a"}`, []string{"Content-Type", "text/plain"}, 415, restapi.TypeUnsupportedMediaType},
		{"no content type", "POST", "/articles", `{"title":"a"}`, []string{"Content-Type", ""}, 415, restapi.TypeUnsupportedMediaType},
		{"latin-1 charset", "POST", "/articles", `{"title":"a"}`, []string{"Content-Type", "application/json; charset=latin1"}, 415, restapi.TypeUnsupportedMediaType},
		{"body over 1 MiB", "POST", "/articles", big, nil, 413, restapi.TypePayloadTooLarge},
		{"blank title", "POST", "/articles", `{"title":"   "}`, nil, 422, restapi.TypeValidation},
		{"control character", "POST", "/articles", `{"title":"a\u0007b"}`, nil, 422, restapi.TypeValidation},
		{"too many tags", "POST", "/articles", `{"title":"a","tags":["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21"]}`, nil, 422, restapi.TypeValidation},
		{"validate malformed", "POST", "/articles/validate", `{`, nil, 400, restapi.TypeBadRequest},
		{"validate invalid", "POST", "/articles/validate", `{"title":""}`, nil, 422, restapi.TypeValidation},
		{"non-numeric id", "GET", "/articles/abc", "", nil, 400, restapi.TypeBadRequest},
		{"zero id", "GET", "/articles/0", "", nil, 400, restapi.TypeBadRequest},
		{"negative id", "GET", "/articles/-1", "", nil, 400, restapi.TypeBadRequest},
		{"signed id", "GET", "/articles/+1", "", nil, 400, restapi.TypeBadRequest},
		{"id out of range", "GET", "/articles/9223372036854775808", "", nil, 400, restapi.TypeBadRequest},
		{"PUT bad id", "PUT", "/articles/1.5", `{"title":"a"}`, nil, 400, restapi.TypeBadRequest},
		{"PUT id beyond client range", "PUT", "/articles/9007199254740992", `{"title":"a"}`, nil, 422, restapi.TypeValidation},
		{"DELETE bad id", "DELETE", "/articles/1e3", "", nil, 400, restapi.TypeBadRequest},
		{"missing", "GET", "/articles/999999", "", nil, 404, restapi.TypeNotFound},
		{"PUT invalid", "PUT", "/articles/" + id, `{"title":""}`, nil, 422, restapi.TypeValidation},
		{"PUT stale If-Match", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"If-Match", `"7"`}, 412, restapi.TypePreconditionFailed},
		{"PUT foreign If-Match", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"If-Match", `"abc"`}, 412, restapi.TypePreconditionFailed},
		{"PUT If-None-Match on existing", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"If-None-Match", "*"}, 412, restapi.TypePreconditionFailed},
		{"PUT If-Match * on missing", "PUT", "/articles/999999", `{"title":"a"}`, []string{"If-Match", "*"}, 412, restapi.TypePreconditionFailed},
		{"PUT If-None-Match tag", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"If-None-Match", `"1"`}, 400, restapi.TypeBadRequest},
		{"DELETE stale If-Match", "DELETE", "/articles/" + id, "", []string{"If-Match", `"2"`}, 412, restapi.TypePreconditionFailed},
		{"DELETE If-None-Match on existing", "DELETE", "/articles/" + id, "", []string{"If-None-Match", "*"}, 412, restapi.TypePreconditionFailed},
		{"DELETE missing", "DELETE", "/articles/999999", "", nil, 404, restapi.TypeNotFound},
		{"limit zero", "GET", "/articles?limit=0", "", nil, 400, restapi.TypeBadRequest},
		{"limit too big", "GET", "/articles?limit=1001", "", nil, 400, restapi.TypeBadRequest},
		{"limit not a number", "GET", "/articles?limit=ten", "", nil, 400, restapi.TypeBadRequest},
		{"negative offset", "GET", "/articles?offset=-1", "", nil, 400, restapi.TypeBadRequest},
		{"bad cursor", "GET", "/articles?cursor=Zm9v", "", nil, 400, restapi.TypeBadRequest},
		{"zero cursor", "GET", "/articles?cursor=0", "", nil, 400, restapi.TypeBadRequest},
		{"offset too big", "GET", "/articles?offset=2147483648", "", nil, 400, restapi.TypeBadRequest},
		{"PUT on the validate route", "PUT", "/articles/validate", `{"title":"a"}`, nil, 405, restapi.TypeMethodNotAllowed},
		{"empty If-None-Match on a write", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"If-None-Match", " "}, 400, restapi.TypeBadRequest},
		{"NUL in author", "GET", "/articles?author=a%00b", "", nil, 400, restapi.TypeBadRequest},
		{"control character in tag", "GET", "/articles?tag=%07", "", nil, 400, restapi.TypeBadRequest},
		{"author too long", "GET", "/articles?author=" + strings.Repeat("é", 101), "", nil, 400, restapi.TypeBadRequest},
		{"unknown path", "GET", "/nope", "", nil, 404, restapi.TypeNoRoute},
		{"replication: bad version", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"Article-Version", "abc"}, 400, restapi.TypeBadRequest},
		{"replication: bad time", "DELETE", "/articles/" + id, "", []string{"Article-Version", "5", "Article-Updated-At", "yesterday"}, 400, restapi.TypeBadRequest},
		{"replication: stale", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"Article-Version", "1"}, 409, restapi.TypeStaleVersion},
		{"replication: stale delete", "DELETE", "/articles/" + id, "", []string{"Article-Version", "1"}, 409, restapi.TypeStaleVersion},
		{"replication: id beyond MaxID", "DELETE", "/articles/9223372036854775807", "", []string{"Article-Version", "1"}, 422, restapi.TypeValidation},
		{"malformed time without version", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"Article-Updated-At", "{}"}, 400, restapi.TypeBadRequest},
		{"replication: invalid", "PUT", "/articles/" + id, `{"title":""}`, []string{"Article-Version", "9"}, 422, restapi.TypeValidation},
		{"PUT weak If-Match", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"If-Match", `W/"1"`}, 412, restapi.TypePreconditionFailed},
		{"wrong method", "PATCH", "/articles/" + id, `{"title":"a"}`, nil, 405, restapi.TypeMethodNotAllowed},
		// Text that is not UTF-8 is refused, never replaced with U+FFFD.
		{"invalid UTF-8", "POST", "/articles", "{\"title\":\"a\xffb\"}", nil, 400, restapi.TypeBadRequest},
		{"overlong UTF-8", "POST", "/articles", "{\"title\":\"a\xc0\xafb\"}", nil, 400, restapi.TypeBadRequest},
		{"UTF-8 surrogate", "POST", "/articles", "{\"title\":\"\xed\xa0\x80\"}", nil, 400, restapi.TypeBadRequest},
		{"past U+10FFFF", "POST", "/articles", "{\"title\":\"\xf4\x90\x80\x80\"}", nil, 400, restapi.TypeBadRequest},
		{"lone surrogate escape", "POST", "/articles", `{"title":"\ud800"}`, nil, 400, restapi.TypeBadRequest},
		{"invalid UTF-8 in a tag", "PUT", "/articles/" + id, "{\"title\":\"a\",\"tags\":[\"\xff\"]}", nil, 400, restapi.TypeBadRequest},
		// Names are exact and appear once.
		{"field in another case", "POST", "/articles", `{"TITLE":"x"}`, nil, 400, restapi.TypeBadRequest},
		{"duplicate field", "POST", "/articles", `{"title":"a","title":"b"}`, nil, 400, restapi.TypeBadRequest},
		// A query that cannot be read whole is refused, not half-applied.
		{"semicolon in the query", "GET", "/articles?author=x;y", "", nil, 400, restapi.TypeBadRequest},
		{"repeated limit", "GET", "/articles?limit=1&limit=2", "", nil, 400, restapi.TypeBadRequest},
		{"repeated author", "GET", "/articles?author=a&author=b", "", nil, 400, restapi.TypeBadRequest},
		{"unknown parameter", "GET", "/articles?autor=ada", "", nil, 400, restapi.TypeBadRequest},
		{"bad percent-encoding", "GET", "/articles?author=%zz", "", nil, 400, restapi.TypeBadRequest},
		// Conditions are never read as absent.
		// A blank If-Match is the empty list of RFC 9110, which nothing
		// matches; a malformed one is refused.
		{"blank If-Match", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"If-Match", "   "}, 412, restapi.TypePreconditionFailed},
		{"blank If-Match on a delete", "DELETE", "/articles/" + id, "", []string{"If-Match", " , "}, 412, restapi.TypePreconditionFailed},
		{"malformed If-Match", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"If-Match", "1"}, 400, restapi.TypeBadRequest},
		{"unterminated If-Match", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"If-Match", `"1`}, 400, restapi.TypeBadRequest},
		{"If-Match tags without a comma", "PUT", "/articles/" + id, `{"title":"a"}`, []string{"If-Match", `"1" "2"`}, 400, restapi.TypeBadRequest},
		{"* in an If-Match list", "DELETE", "/articles/" + id, "", []string{"If-Match", `*, "1"`}, 400, restapi.TypeBadRequest},
		{"malformed If-None-Match on a read", "GET", "/articles/" + id, "", []string{"If-None-Match", "v1"}, 400, restapi.TypeBadRequest},
		// One spelling per path, and no redirects.
		{"empty segment", "DELETE", "/articles//" + id, "", nil, 404, restapi.TypeNoRoute},
		{"trailing slash", "GET", "/articles/" + id + "/", "", nil, 404, restapi.TypeNoRoute},
		{"dot-dot segment", "GET", "/articles/x/../" + id, "", nil, 404, restapi.TypeNoRoute},
		{"encoded dot-dot segment", "DELETE", "/articles/%2e%2e/" + id, "", nil, 404, restapi.TypeNoRoute},
		{"leading empty segment", "GET", "//articles", "", nil, 404, restapi.TypeNoRoute},
		{"collection with a slash", "POST", "/articles/", `{"title":"a"}`, nil, 404, restapi.TypeNoRoute},
		{"leading zero id", "DELETE", "/articles/0" + id, "", nil, 400, restapi.TypeBadRequest},
	}
	before := h.state()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.do(tt.method, tt.path, tt.body, tt.headers...)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, resp.StatusCode, body, tt.status)
			}
			p := problemOf(t, resp, body)
			if p.Type != tt.problemType {
				t.Errorf("problem type %q, want %q", p.Type, tt.problemType)
			}
			if strings.Contains(body, "goroutine") || strings.Contains(body, ".go:") || strings.Contains(strings.ToLower(body), "sql") {
				t.Errorf("problem leaks internals: %s", body)
			}
			if after := h.state(); after != before {
				t.Fatalf("a rejected request changed the store:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	t.Run("validation lists every field", func(t *testing.T) {
		resp, body := h.do("POST", "/articles", `{"title":"","author":"`+strings.Repeat("a", 101)+`","tags":["ok","ok"]}`)
		p := problemOf(t, resp, body)
		var fields []string
		for _, f := range p.Errors {
			fields = append(fields, f.Field+":"+f.Code)
		}
		if got := strings.Join(fields, ","); got != "title:required,author:too_long,tags[1]:duplicate" {
			t.Fatalf("field errors = %s", got)
		}
	})
	t.Run("405 names the allowed methods", func(t *testing.T) {
		resp, _ := h.do("PATCH", "/articles/"+id, `{"title":"a"}`)
		if got := resp.Header.Get("Allow"); got != "GET, PUT, DELETE" {
			t.Fatalf("Allow = %q", got)
		}
	})
}

// Without WithReplication a replicated change is refused before it is
// parsed, whatever it carries, and changes nothing.
func TestReplicationDisabled(t *testing.T) {
	h := newHarness(t)
	id := strconv.FormatInt(h.create("Existing", "x").ID, 10)
	before := h.state()
	for _, tt := range []struct{ method, path, body string }{
		{"PUT", "/articles/" + id, `{"title":"replicated"}`},
		{"PUT", "/articles/777", `{"title":"replicated"}`},
		{"DELETE", "/articles/" + id, ""},
	} {
		resp, body := h.do(tt.method, tt.path, tt.body, "Article-Version", "99")
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s %s = %d %s, want 403", tt.method, tt.path, resp.StatusCode, body)
		}
		if p := problemOf(t, resp, body); p.Type != restapi.TypeReplicationDisabled {
			t.Errorf("problem type %q, want %q", p.Type, restapi.TypeReplicationDisabled)
		}
	}
	if after := h.state(); after != before {
		t.Fatalf("a refused replicated change changed the store:\nbefore %s\nafter  %s", before, after)
	}
}

func TestCRUD(t *testing.T) {
	h := newHarness(t)

	resp, body := h.do("POST", "/articles", `{"title":"<b>Hi</b>","content":"x'; DROP TABLE articles;--","author":"ada","tags":["go"]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("POST = %d %s", resp.StatusCode, body)
	}
	var a articles.Article
	_ = json.Unmarshal([]byte(body), &a)
	loc := "/articles/" + strconv.FormatInt(a.ID, 10)
	if resp.Header.Get("Location") != loc || resp.Header.Get("ETag") != `"1"` || a.Title != "<b>Hi</b>" || a.Version != 1 {
		t.Fatalf("POST: Location %q ETag %q article %+v", resp.Header.Get("Location"), resp.Header.Get("ETag"), a)
	}

	resp, body = h.do("GET", loc, "")
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"1"` || !strings.Contains(body, `"content":"x'; DROP TABLE articles;--"`) {
		t.Fatalf("GET = %d %s ETag %q", resp.StatusCode, body, resp.Header.Get("ETag"))
	}
	for _, inm := range []string{`"1"`, `W/"1"`, `"9", "1"`, "*"} {
		if resp, _ := h.do("GET", loc, "", "If-None-Match", inm); resp.StatusCode != 304 {
			t.Fatalf("GET If-None-Match %s = %d, want 304", inm, resp.StatusCode)
		}
	}
	if resp, _ := h.do("GET", loc, "", "If-None-Match", `"2"`); resp.StatusCode != 200 {
		t.Fatalf("GET with a stale If-None-Match = %d, want 200", resp.StatusCode)
	}

	resp, body = h.do("PUT", loc, `{"title":"Replaced","tags":null}`, "If-Match", `"1"`)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"2"` || !strings.Contains(body, `"tags":[]`) || !strings.Contains(body, `"content":""`) {
		t.Fatalf("PUT replace = %d %s", resp.StatusCode, body)
	}
	resp, body = h.do("PUT", "/articles/777", `{"title":"Chosen"}`, "If-None-Match", "*")
	if resp.StatusCode != 201 || resp.Header.Get("Location") != "/articles/777" || !strings.Contains(body, `"id":777`) {
		t.Fatalf("PUT create = %d %s, Location %q", resp.StatusCode, body, resp.Header.Get("Location"))
	}

	if resp, body := h.do("DELETE", loc, "", "If-Match", `"2"`); resp.StatusCode != 204 || body != "" {
		t.Fatalf("DELETE = %d %q", resp.StatusCode, body)
	}
	if resp, _ := h.do("GET", loc, ""); resp.StatusCode != 404 {
		t.Fatalf("GET after DELETE = %d", resp.StatusCode)
	}
	if resp, _ := h.do("DELETE", loc, ""); resp.StatusCode != 404 {
		t.Fatalf("second DELETE = %d", resp.StatusCode)
	}

	resp, body = h.do("POST", "/articles/validate", `{"title":"fine"}`)
	if resp.StatusCode != 200 || body != `{"valid":true}` {
		t.Fatalf("validate = %d %s", resp.StatusCode, body)
	}
}

func TestListPagination(t *testing.T) {
	h := newHarness(t)
	var ids []int64
	for i := range 5 {
		ids = append(ids, h.create(fmt.Sprintf("A%d", i), "t").ID)
	}
	h.create("untagged")
	needles := []int64{h.create("needle one").ID, h.create("Needle two").ID}
	h.create("other")
	next := regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

	for start, want := range map[string][]int64{
		"/articles?tag=t&limit=2":                                         ids,
		"/articles?tag=t&limit=2&offset=0":                                ids,
		fmt.Sprintf("/articles?tag=t&limit=2&cursor=%d&offset=1", ids[0]): ids[2:],
		"/articles?q=needle&limit=1":                                      needles, // the search stays in the next link
	} {
		t.Run(start, func(t *testing.T) {
			var got []int64
			url := start
			for pages := 0; url != ""; pages++ {
				if pages > 5 {
					t.Fatal("pagination does not end")
				}
				resp, body := h.do("GET", url, "")
				if resp.StatusCode != 200 || resp.Header.Get("X-Total-Count") == "" {
					t.Fatalf("GET %s = %d, X-Total-Count %q", url, resp.StatusCode, resp.Header.Get("X-Total-Count"))
				}
				var page []articles.Article
				if err := json.Unmarshal([]byte(body), &page); err != nil {
					t.Fatal(err)
				}
				for _, a := range page {
					got = append(got, a.ID)
				}
				url = ""
				if m := next.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
					url = m[1]
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("paged through %v, want %v", got, want)
			}
		})
	}
	resp, body := h.do("GET", "/articles?author=nobody", "")
	if resp.StatusCode != 200 || body != "[]" || resp.Header.Get("Link") != "" {
		t.Fatalf("empty list = %d %s Link %q", resp.StatusCode, body, resp.Header.Get("Link"))
	}
}

func TestOperationsEndpoints(t *testing.T) {
	h := newHarness(t)
	h.create("counted")
	if resp, body := h.do("GET", "/health", ""); resp.StatusCode != 200 || body != `{"status":"ok"}` {
		t.Fatalf("health = %d %s", resp.StatusCode, body)
	}
	if resp, body := h.do("GET", "/ready", ""); resp.StatusCode != 200 || body != `{"status":"ready"}` {
		t.Fatalf("ready = %d %s", resp.StatusCode, body)
	}
	resp, body := h.do("GET", "/metrics", "")
	for _, want := range []string{
		`http_requests_total{method="POST",route="/articles",server="rest",status="201"} 1`,
		`http_requests_total{method="GET",route="/ready",server="rest",status="200"} 1`,
		`articles_stored 1`,
		`articles_changes_total{type="created"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if resp.StatusCode != 200 {
		t.Fatalf("metrics = %d", resp.StatusCode)
	}
	h.do("GET", "/articles/abc", "")
	h.do("GET", "/articles/12345", "")
	_, body = h.do("GET", "/metrics", "", "Accept", "application/openmetrics-text; version=1.0.0")
	for _, want := range []string{
		`http_requests_total{method="GET",route="/articles/{id}",server="rest",status="400"} 1`,
		`http_requests_total{method="GET",route="/articles/{id}",server="rest",status="404"} 1`,
		"# EOF",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("OpenMetrics scrape lacks %q", want)
		}
	}
	if resp, body := h.do("GET", "/openapi.json", ""); resp.StatusCode != 200 || !strings.Contains(body, `"openapi":"3.1.0"`) {
		t.Fatalf("openapi.json = %d", resp.StatusCode)
	}

	// Not ready once the database is gone.
	if err := h.store.Close(); err != nil {
		t.Fatal(err)
	}
	resp, body = h.do("GET", "/ready", "")
	if p := problemOf(t, resp, body); resp.StatusCode != 503 || p.Type != restapi.TypeUnavailable {
		t.Fatalf("ready without a database = %d %s", resp.StatusCode, body)
	}
	if resp, _ := h.do("GET", "/health", ""); resp.StatusCode != 200 {
		t.Fatalf("health without a database = %d, want 200 (liveness)", resp.StatusCode)
	}
	resp, body = h.do("GET", "/articles/1", "")
	if p := problemOf(t, resp, body); resp.StatusCode != 503 || p.Type != restapi.TypeUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("GET without a database = %d %s", resp.StatusCode, body)
	}
}

func TestRequestIDAndAccessLog(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.do("GET", "/health", "", "X-Request-ID", "client-id-42")
	if got := resp.Header.Get("X-Request-ID"); got != "client-id-42" {
		t.Fatalf("echoed request id %q", got)
	}
	for _, bad := range []string{"", "has space", strings.Repeat("x", 129), "<script>"} {
		resp, _ := h.do("GET", "/health", "", "X-Request-ID", bad)
		if got := resp.Header.Get("X-Request-ID"); got == bad || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(got) {
			t.Fatalf("request id for %q = %q, want a generated one", bad, got)
		}
	}
	entries := h.logs.FilterMessage("request").FilterField(zap.String("request_id", "client-id-42")).All()
	if len(entries) != 1 {
		t.Fatalf("access log entries for the request = %d, want 1", len(entries))
	}
	fields := entries[0].ContextMap()
	if fields["status"] != int64(200) || fields["path"] != "/health" || fields["method"] != "GET" {
		t.Fatalf("access log fields %v", fields)
	}
}

// failing is an Articles whose every call fails with an internal error.
type failing struct{ restapi.Articles }

func (failing) Get(context.Context, int64) (articles.Article, error) {
	return articles.Article{}, errors.New("pq: relation \"articles\" does not exist at /srv/secret.go:12")
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	h := newHarnessFor(t, nil, failing{}, restapi.WithRoutes(restapi.Route{Method: "GET", Path: "/boom",
		Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret panic value") })}))
	for _, path := range []string{"/articles/1", "/boom"} {
		resp, body := h.do("GET", path, "")
		p := problemOf(t, resp, body)
		if resp.StatusCode != 500 || p.Type != restapi.TypeInternal || strings.Contains(body, "secret") || strings.Contains(body, "pq:") {
			t.Fatalf("GET %s = %d %s", path, resp.StatusCode, body)
		}
	}
	// Each failure is logged once, with its cause, at Error level.
	errorLogs := h.logs.FilterLevelExact(zap.ErrorLevel).All()
	if len(errorLogs) != 2 || !strings.Contains(fmt.Sprint(errorLogs), "secret panic value") {
		t.Fatalf("error logs = %v, want the two failures with their causes", errorLogs)
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	svc := articlestest.NewService(t, articlestest.NewDatabase(t, sqldb.SQLite))
	started := make(chan struct{})
	api := restapi.New(svc, restapi.WithRoutes(restapi.Route{Method: "GET", Path: "/slow",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			close(started)
			time.Sleep(300 * time.Millisecond)
			_, _ = io.WriteString(w, "done")
		})}))
	srv := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0"}, api)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	url := "http://" + srv.Addr().String()
	result := make(chan string, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			result <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		result <- fmt.Sprintf("%d %s", resp.StatusCode, b)
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if got := <-result; got != "200 done" {
		t.Fatalf("in-flight request during shutdown got %q, want 200 done", got)
	}
	if _, err := http.Get(url + "/health"); err == nil {
		t.Fatal("server still accepts requests after Stop")
	}
	// A busy port fails start-up.
	other := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0"}, api)
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer other.Stop(context.Background())
	busy := httpserver.New(httpserver.Config{Addr: other.Addr().String()}, api)
	if err := busy.Start(); err == nil {
		t.Fatal("Start on a busy port succeeded")
	}
}

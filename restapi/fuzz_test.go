package restapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/restapi"
)

// fuzzAPI is an API over an in-memory database, shared by a fuzz run.
func fuzzAPI(f *testing.F) (*restapi.API, *articles.Service) {
	svc := articlestest.NewService(f, "sqlite://:memory:")
	return restapi.New(svc), svc
}

// No body may crash the server, produce a 5xx or write anything through
// the dry-run endpoint; every error is a problem document.
func FuzzArticleBody(f *testing.F) {
	for _, seed := range []string{
		`{"title":"ok"}`, `{"title":"a","tags":["x","x"]}`, `{"title":5}`, `{`, `null`, `[]`, `""`,
		`{"title":"a","extra":1}`, `{"title":"a"}{"title":"b"}`, `{"title":"\u0000"}`, `{"tags":null,"title":" t "}`,
		"{\"title\":\"\xff\xfe\"}", `{"title":"a","content":null,"author":null}`, strings.Repeat("[", 10000),
		// From the attack run: each was stored, or stored changed, once.
		"{\"title\":\"a\xc0\xafb\"}", "{\"title\":\"\xed\xa0\x80\"}", "{\"title\":\"\xf4\x90\x80\x80\"}",
		`{"title":"\ud800"}`, `{"TITLE":"x"}`, `{"title":"a","title":"b"}`, `{"Tags":["x"],"title":"a"}`,
	} {
		f.Add(seed, "application/json")
	}
	f.Add(`{"title":"a"}`, "text/plain")
	api, svc := fuzzAPI(f)
	f.Fuzz(func(t *testing.T, body, contentType string) {
		for _, path := range []string{"/articles/validate", "/articles"} {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", contentType)
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, req)
			checkResponse(t, rec, http.StatusOK, http.StatusCreated, 400, 413, 415, 422)
			if path == "/articles/validate" && rec.Code == http.StatusOK {
				// What validates must also be accepted for creation, and
				// what creation accepts must read back exactly as sent.
				req := httptest.NewRequest(http.MethodPost, "/articles", strings.NewReader(body))
				req.Header.Set("Content-Type", contentType)
				rec := httptest.NewRecorder()
				api.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					t.Fatalf("valid body %q not created: %d %s", body, rec.Code, rec.Body)
				}
				var sent articles.Draft
				_ = json.Unmarshal([]byte(body), &sent)
				var got articles.Article
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatal(err)
				}
				stored, err := svc.Get(context.Background(), got.ID)
				if err != nil || stored.Title != sent.Title || stored.Content != sent.Content || stored.Author != sent.Author {
					t.Fatalf("stored %+v for body %q", stored, body)
				}
			}
		}
	})
}

// No method, path, query or header may crash the server or produce a 5xx.
func FuzzRequest(f *testing.F) {
	for _, seed := range [][4]string{
		{"GET", "/articles", "limit=20&offset=5", ""},
		{"GET", "/articles", "cursor=YzE&tag=x&author=y", ""},
		{"GET", "/articles/1", "", `"1"`},
		{"PUT", "/articles/9", "", `W/"x"`},
		{"DELETE", "/articles/99999999999999999999", "", "*"},
		{"GET", "/articles/%00", "limit=%zz", ""},
		{"GET", "/articles", "author=%00&tag=%07", ""},
		{"BREW", "/../../etc/passwd", "", ""},
		{"GET", "/articles//1/", "", ""},
		// From the attack run: each was answered as if well formed once.
		{"GET", "/articles", "author=x;y", ""},
		{"GET", "/articles", "limit=1&limit=2", ""},
		{"PUT", "/articles/1", "", "   "},
		{"DELETE", "/articles//1", "", ""},
		{"GET", "/articles/x/../1", "", ""},
		{"GET", "/articles/01", "", ""},
		{"DELETE", "/articles/%2e%2e/1", "", `"1", *`},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	api, _ := fuzzAPI(f)
	f.Fuzz(func(t *testing.T, method, path, query, ifMatch string) {
		if !validMethod(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path+query, " \r\n\t#?") ||
			!utf8.ValidString(path+query) {
			return // net/http would refuse to parse such a request line
		}
		// The change feed streams until its request ends: bound every request.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, "http://test"+path+"?"+query, strings.NewReader(`{"title":"fuzz"}`))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", ifMatch)
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		checkResponse(t, rec)
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c < '!' || c > '~' || strings.ContainsRune(`()<>@,;:\"/[]?={}`, c) {
			return false
		}
	}
	return true
}

// checkResponse fails on a 5xx, on a status outside allowed (when given),
// and on an error answer that is not a problem document.
func checkResponse(t *testing.T, rec *httptest.ResponseRecorder, allowed ...int) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if len(allowed) > 0 && !contains(allowed, rec.Code) {
		t.Fatalf("status %d not in %v: %s", rec.Code, allowed, rec.Body)
	}
	if rec.Code >= 400 {
		var p restapi.Problem
		if ct := rec.Header().Get("Content-Type"); ct != restapi.ProblemContentType || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Status != rec.Code {
			t.Fatalf("error %d is not a problem document: %s %s", rec.Code, ct, rec.Body)
		}
	}
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// The OpenAPI schema of an article must accept exactly the drafts
// articles.Validate accepts, so that clients generated from the document
// agree with the server.
func FuzzSchemaAgreesWithValidation(f *testing.F) {
	for _, seed := range [][4]string{
		{"Title", "", "", "go"}, {"  ", "", "", ""}, {" padded ", "body\r\n\ttabs", "Zoë", "t1"},
		{"\u00a0\u3000x\u2028", "", "", " "}, {"a\u0085b", "", "", ""}, {"x", "\u0007", "", ""},
		{strings.Repeat("é", 200), "", strings.Repeat("a", 100), strings.Repeat("t", 32)},
		{" " + strings.Repeat("x", 200) + " ", "", strings.Repeat("a", 101), strings.Repeat("t", 33)},
		{"\ufeff", "", "", "\u200b"}, {"x\u007f", "", "a\u009f", "a\u00a0"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	doc, err := loadDocument()
	if err != nil {
		f.Fatal(err)
	}
	schema := doc.Components.Schemas["ArticleInput"].Value
	f.Fuzz(func(t *testing.T, title, content, author, tag string) {
		if !utf8.ValidString(title) || !utf8.ValidString(content) || !utf8.ValidString(author) || !utf8.ValidString(tag) {
			return // JSON cannot carry invalid UTF-8; decoding replaces it
		}
		d := articles.Draft{Title: title, Content: content, Author: author}
		var tags []any
		if tag != "" {
			d.Tags = []string{tag}
			tags = []any{tag}
		}
		value := map[string]any{"title": title, "content": content, "author": author, "tags": tags}
		if tags == nil {
			value["tags"] = []any{}
		}
		schemaErr := schema.VisitJSON(value, openapi3.EnableJSONSchema2020())
		validateErr := articles.Validate(d)
		if (schemaErr == nil) != (validateErr == nil) {
			t.Fatalf("%q: schema says %v, Validate says %v", d, schemaErr, validateErr)
		}
	})
}

package restapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/restapi"
)

// A refusal says what is wrong, naming the field where it can, without
// echoing the input.
func TestRefusalsNameTheField(t *testing.T) {
	h := newHarness(t)
	tests := []struct{ body, detail string }{
		{"{\"title\":\"a\xffb\"}", `Field "title": not valid UTF-8.`},
		{"{\"title\":\"ok\",\"tags\":[\"a\",\"\xc0\xaf\"]}", `Field "tags[1]": not valid UTF-8.`},
		{`{"author":"\udfff"}`, `Field "author": not valid UTF-8.`},
		{`{"TITLE":"x"}`, `Unknown field "TITLE".`},
		{`{"title":"a","title":"b"}`, `Field "title" appears more than once.`},
		{`{"title":5}`, `Field "title": must be a string, not a number.`},
		{`{"title":"a","tags":[true]}`, `Field "tags[0]": must be a string, not a boolean.`},
		{`{"title":"a","tags":"x"}`, `Field "tags": must be an array of strings, not a string.`},
		{`{"title":"a"} {}`, `The body must hold a single JSON object and nothing after it.`},
		{`{"title":`, `Malformed JSON: the body ends too early.`},
	}
	for _, tt := range tests {
		resp, body := h.do("POST", "/articles", tt.body)
		if p := problemOf(t, resp, body); resp.StatusCode != http.StatusBadRequest || p.Detail != tt.detail {
			t.Errorf("POST %q = %d %q, want 400 %q", tt.body, resp.StatusCode, p.Detail, tt.detail)
		}
	}
	for query, detail := range map[string]string{
		"author=x;y":      "The query string is malformed",
		"limit=1&limit=2": "Query parameter limit: given 2 times, at most once.",
		"autor=ada":       `Unknown query parameter "autor"`,
	} {
		resp, body := h.do("GET", "/articles?"+query, "")
		if p := problemOf(t, resp, body); resp.StatusCode != http.StatusBadRequest || !strings.Contains(p.Detail, detail) {
			t.Errorf("GET ?%s = %d %q, want 400 with %q", query, resp.StatusCode, p.Detail, detail)
		}
	}
}

// Text is stored exactly as sent: what the API accepts comes back byte for
// byte (valid escapes decoded).
func TestTextStoredExactly(t *testing.T) {
	h := newHarness(t)
	resp, body := h.do("POST", "/articles", `{"title":"caf\u00e9 \ud83d\ude00 ","content":"日本語\n"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST = %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `"title":"café 😀 "`) || !strings.Contains(body, `"content":"日本語\n"`) {
		t.Fatalf("stored %s", body)
	}
}

// A client that writes a too-large body whole before it reads gets its 413
// rather than a reset connection (Python's urllib is such a client).
func TestTooLargeAnsweredToAClientStillSending(t *testing.T) {
	h := newHarness(t)
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
			content := strings.Repeat("a", 4*restapi.DefaultMaxBodyBytes)
			body := `{"title":"big","content":"` + content + `"}`
			head := "POST /articles HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
			if chunked {
				head += "Transfer-Encoding: chunked\r\n\r\n"
				body = fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body)
			} else {
				head += fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))
			}
			if _, err := conn.Write([]byte(head + body)); err != nil {
				t.Fatalf("writing the whole request: %v (the server stopped reading)", err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("Content-Type") != restapi.ProblemContentType {
				t.Fatalf("answer %d %s, want 413 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		})
	}
}

// A POST with an Idempotency-Key is done once: the retry replays its
// answer, another body under the key is refused, and a malformed key too.
func TestIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	body := `{"title":"Once","tags":["a"]}`
	first, created := h.do("POST", "/articles", body, "Idempotency-Key", `"key-1"`)
	if first.StatusCode != http.StatusCreated || first.Header.Get(restapi.IdempotentReplayedHeader) != "" {
		t.Fatalf("first POST = %d %s", first.StatusCode, created)
	}
	// The same request, spelled differently, and the key sent bare.
	for _, retry := range []struct{ body, key string }{
		{body, `"key-1"`},
		{`{ "tags": ["a"], "title": "Once" }`, `"key-1"`},
		{body, `key-1`},
	} {
		resp, replayed := h.do("POST", "/articles", retry.body, "Idempotency-Key", retry.key)
		if resp.StatusCode != http.StatusCreated || replayed != created ||
			resp.Header.Get(restapi.IdempotentReplayedHeader) != "true" ||
			resp.Header.Get("Location") != first.Header.Get("Location") || resp.Header.Get("ETag") != `"1"` {
			t.Fatalf("retry %+v = %d %s (replayed %q), want the first answer replayed", retry, resp.StatusCode,
				replayed, resp.Header.Get(restapi.IdempotentReplayedHeader))
		}
	}
	before := h.state()
	for _, tt := range []struct {
		body, key   string
		status      int
		problemType string
	}{
		{`{"title":"Another"}`, `"key-1"`, 422, restapi.TypeKeyReused},
		{body, `""`, 400, restapi.TypeBadRequest},
		{body, `"unterminated`, 400, restapi.TypeBadRequest},
		{body, `"a"b"`, 400, restapi.TypeBadRequest},
		{body, `two words`, 400, restapi.TypeBadRequest},
		{body, `"` + strings.Repeat("k", 256) + `"`, 400, restapi.TypeBadRequest},
		{body, "\"caf\xc3\xa9\"", 400, restapi.TypeBadRequest},
	} {
		resp, got := h.do("POST", "/articles", tt.body, "Idempotency-Key", tt.key)
		if p := problemOf(t, resp, got); resp.StatusCode != tt.status || p.Type != tt.problemType {
			t.Errorf("POST with key %q = %d %s, want %d %s", tt.key, resp.StatusCode, got, tt.status, tt.problemType)
		}
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/articles", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("Idempotency-Key", `"k1"`)
	req.Header.Add("Idempotency-Key", `"k2"`)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("two keys = %v, %v; want 400", resp, err)
	} else {
		resp.Body.Close()
	}
	if after := h.state(); after != before {
		t.Fatalf("refused requests changed the store:\nbefore %s\nafter  %s", before, after)
	}
}

// A stopping server's /ready answers 503 while it drains, so that load
// balancers move on before it closes.
func TestReadyFailsWhileDraining(t *testing.T) {
	h := newHarness(t)
	srv := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0", DrainPeriod: time.Minute}, h.api)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{}} // one keep-alive connection, which the drain waits for
	ready := func() int {
		resp, err := client.Get("http://" + srv.Addr().String() + "/ready")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body) // read whole, the connection is kept
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := ready(); code != http.StatusOK {
		t.Fatalf("/ready before the stop = %d", code)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop(context.Background()) }()
	deadline := time.Now().Add(10 * time.Second)
	for ready() != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/ready never answered 503 during the drain")
		}
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Stop = %v", err)
	}
}

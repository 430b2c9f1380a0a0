package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/restapi"
	"github.com/articlekit/articlekit/restapi/client"
)

func newClient(t *testing.T) (*client.Client, *articles.Service, *httptest.Server) {
	t.Helper()
	svc := articlestest.NewService(t, articlestest.NewDatabase(t, sqldb.SQLite))
	srv := httptest.NewServer(restapi.New(svc, restapi.WithReplication()))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c, svc, srv
}

// The client must behave exactly as the in-process service.
func TestClientPassesTheAPISuite(t *testing.T) {
	c, _, _ := newClient(t)
	articlestest.RunAPISuite(t, c)
}

func TestClientErrors(t *testing.T) {
	c, _, srv := newClient(t)
	ctx := context.Background()

	err := c.Validate(ctx, articles.Draft{Title: ""})
	var verr *articles.ValidationError
	if !errors.As(err, &verr) || verr.Fields[0].Field != "title" {
		t.Fatalf("Validate(invalid) = %v, want a validation error on title", err)
	}
	if err := c.Validate(ctx, articles.Draft{Title: "ok"}); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping = %v", err)
	}

	// A request the server refuses for reasons the articles errors do not cover.
	badID := -5
	_, err = c.Get(ctx, int64(badID))
	var apiErr *client.Error
	if !errors.Is(err, articles.ErrInvalid) || !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest ||
		apiErr.Problem.Type != restapi.TypeBadRequest {
		t.Fatalf("Get(-5) = %v, want ErrInvalid from a 400 *client.Error", err)
	}

	// A wrong base URL is not a missing article.
	misrouted, _ := client.New(srv.URL + "/v9")
	if _, err := misrouted.Get(ctx, 1); !errors.Is(err, articles.ErrUnavailable) || errors.Is(err, articles.ErrNotFound) {
		t.Fatalf("Get through a wrong base URL = %v, want ErrUnavailable, not ErrNotFound", err)
	}

	timeout, err := client.New(srv.URL, client.WithTimeout(time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := timeout.Get(ctx, 1); err == nil {
		t.Fatal("a call past its timeout succeeded")
	}

	srv.Close()
	if _, err := c.Get(ctx, 1); !errors.Is(err, articles.ErrUnavailable) {
		t.Fatalf("Get with the server down = %v, want ErrUnavailable", err)
	}

	for _, bad := range []string{"", "localhost:5000", "ftp://x", "http://"} {
		if _, err := client.New(bad); err == nil {
			t.Errorf("New(%q) succeeded", bad)
		}
	}
}

func TestClientUnavailableOn5xx(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "upstream broke", http.StatusBadGateway)
	}))
	defer srv.Close()
	c, _ := client.New(srv.URL)
	if _, err := c.Get(context.Background(), 1); !errors.Is(err, articles.ErrUnavailable) {
		t.Fatalf("Get from a 502 = %v, want ErrUnavailable", err)
	}
}

func TestClientAllFollowsPages(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := context.Background()
	var want []int64
	for range 7 {
		a, err := c.Create(ctx, articles.Draft{Title: "paged", Tags: []string{"p"}})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, a.ID)
	}
	var got []int64
	for a, err := range c.All(ctx, articles.ListQuery{Tag: "p", Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.ID)
	}
	if len(got) != len(want) {
		t.Fatalf("All = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("All = %v, want %v", got, want)
		}
	}
}

// Every status the client can meet maps to the articles error callers
// decide on; none is left for them to read from the status.
func TestClientMapsEveryStatus(t *testing.T) {
	problem := func(typ string, status int) string {
		return fmt.Sprintf(`{"type":%q,"title":"t","status":%d}`, typ, status)
	}
	tests := []struct {
		status int
		body   string
		want   error // nil: a *ValidationError
	}{
		{400, problem(restapi.TypeBadRequest, 400), articles.ErrInvalid},
		{401, `{"type":"urn:articlekit:problem:unauthenticated","title":"Unauthorized","status":401}`, articles.ErrUnavailable},
		{403, problem(restapi.TypeReplicationDisabled, 403), articles.ErrUnavailable},
		{404, problem(restapi.TypeNotFound, 404), articles.ErrNotFound},
		{404, problem(restapi.TypeNoRoute, 404), articles.ErrUnavailable},
		{404, "<html>not here</html>", articles.ErrUnavailable},
		{405, problem(restapi.TypeMethodNotAllowed, 405), articles.ErrUnavailable},
		{408, "", articles.ErrUnavailable},
		{409, problem(restapi.TypeConflict, 409), articles.ErrConflict},
		{412, problem(restapi.TypePreconditionFailed, 412), articles.ErrConflict},
		{413, problem(restapi.TypePayloadTooLarge, 413), articles.ErrInvalid},
		{414, "", articles.ErrInvalid},
		{415, problem(restapi.TypeUnsupportedMediaType, 415), articles.ErrInvalid},
		{422, `{"type":"` + restapi.TypeValidation + `","status":422,"errors":[{"field":"title","code":"required","message":"m"}]}`, nil},
		{422, "", articles.ErrInvalid},
		{429, "", articles.ErrUnavailable},
		{431, "", articles.ErrInvalid},
		{499, "", articles.ErrUnavailable},
		{500, problem(restapi.TypeInternal, 500), articles.ErrUnavailable},
		{502, "bad gateway", articles.ErrUnavailable},
		{503, problem(restapi.TypeUnavailable, 503), articles.ErrUnavailable},
		{504, "", articles.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %.30s", tt.status, tt.body), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", restapi.ProblemContentType)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, _ := client.New(srv.URL)
			_, err := c.Get(context.Background(), 1)
			if tt.want == nil {
				var verr *articles.ValidationError
				if !errors.As(err, &verr) || len(verr.Fields) != 1 || !errors.Is(err, articles.ErrInvalid) {
					t.Fatalf("Get = %v, want a *ValidationError with one field", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Get = %v, want %v", err, tt.want)
			}
			for _, other := range []error{articles.ErrInvalid, articles.ErrUnavailable, articles.ErrNotFound, articles.ErrConflict} {
				if other != tt.want && errors.Is(err, other) {
					t.Fatalf("Get = %v: is %v as well as %v", err, other, tt.want)
				}
			}
		})
	}
}

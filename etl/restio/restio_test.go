package restio_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/restio"
	"github.com/articlekit/articlekit/etl/step"
	"github.com/articlekit/articlekit/restapi"
	"github.com/articlekit/articlekit/restapi/client"
)

func server(t *testing.T) (*articles.Service, *client.Client) {
	t.Helper()
	svc := articlestest.NewService(t, articlestest.NewDatabase(t, sqldb.SQLite))
	srv := httptest.NewServer(restapi.New(svc, restapi.WithReplication()))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return svc, c
}

var drafts = etl.MustSchema(
	etl.Field{Name: "id", Type: etl.Integer}, etl.Field{Name: "title", Type: etl.String},
	etl.Field{Name: "author", Type: etl.String}, etl.Field{Name: "tags", Type: etl.String},
	etl.Field{Name: "version", Type: etl.Integer},
)

func TestValidateRejectsAndWriterLoads(t *testing.T) {
	_, c := server(t)
	src := step.Rows{Schema: drafts, Rows: []etl.Row{
		{int64(10), "Fine", "ada", `["go"]`, int64(3)},
		{int64(11), "  ", "bob", "", int64(1)},
		{int64(12), "Also fine", "cy", "a, b", int64(1)},
		{int64(13), "Bad tags", strings.Repeat("x", 101), `[1]`, int64(1)},
		{int64(14), "Bad author", strings.Repeat("x", 101), "", int64(1)},
	}}
	rejects := &step.Collector{}
	p := etl.New("load").
		Add("source", src).
		Add("validate", &restio.Validate{Client: c, Concurrency: 3}).
		Add("write", &restio.Writer{Client: c}).
		Add("rejects", rejects).
		Connect(etl.Hop{From: "source", To: "validate"}, etl.Hop{From: "validate", To: "write"},
			etl.Hop{From: "validate", FromPort: etl.Reject, To: "rejects"})
	res, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Step("validate"); s.Written != 2 || s.Rejected != 3 {
		t.Fatalf("validate stats %+v", s)
	}
	var reasons []string
	for _, r := range rejects.Rows() {
		reasons = append(reasons, r[5].(string))
	}
	want := []string{"title: ", "tags", "author: "}
	for i, w := range want {
		if i >= len(reasons) || !strings.Contains(reasons[i], w) {
			t.Fatalf("reasons %q, want ones about %v", reasons, want)
		}
	}
	// The loaded articles keep their ids and versions.
	out := &step.Collector{}
	if _, err := etl.New("read").Then("articles", &restio.Articles{Client: c}).Then("out", out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.Rows()
	if len(got) != 2 || got[0][0] != int64(10) || got[0][7] != int64(3) || got[0][4] != `["go"]` || got[1][4] != `["a","b"]` {
		t.Fatalf("articles %v", got)
	}
	// A rerun changes nothing and fails nothing: the versions are there.
	if _, err := etl.New("again").Then("source", src).Then("validate", &restio.Validate{Client: c}).
		Then("write", &restio.Writer{Client: c}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRejectThreshold(t *testing.T) {
	_, c := server(t)
	src := step.Rows{Schema: drafts, Rows: []etl.Row{{int64(1), "", "", "", int64(1)}, {int64(2), "", "", "", int64(1)}}}
	_, err := etl.New("strict").Then("source", src).Then("validate", &restio.Validate{Client: c, MaxRejects: 1}).Run(context.Background())
	if !errors.Is(err, restio.ErrTooManyRejects) {
		t.Fatalf("err = %v, want ErrTooManyRejects", err)
	}
}

// With the REST API down, the breaker opens and the run fails fast with a
// clear error instead of rejecting every row.
func TestValidateCircuitBreaker(t *testing.T) {
	srv := httptest.NewServer(nil)
	url := srv.URL
	srv.Close()
	c, err := client.New(url, client.WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	src := step.Rows{Schema: drafts, Rows: []etl.Row{{int64(1), "a", "", "", int64(1)}}, Times: 1000}
	var opened bool
	v := &restio.Validate{Client: c, Concurrency: 2, Retry: time.Minute, Breaker: gobreaker.Settings{
		OnStateChange: func(_ string, _, to gobreaker.State) { opened = opened || to == gobreaker.StateOpen },
	}}
	rejects := &step.Collector{}
	p := etl.New("down").Add("source", src).Add("validate", v).Add("rejects", rejects).
		Connect(etl.Hop{From: "source", To: "validate"}, etl.Hop{From: "validate", FromPort: etl.Reject, To: "rejects"})
	_, err = p.Run(context.Background())
	if !errors.Is(err, restio.ErrUnavailable) || !errors.Is(err, gobreaker.ErrOpenState) || !opened {
		t.Fatalf("err = %v (breaker opened: %v), want ErrUnavailable from an open breaker", err, opened)
	}
	if len(rejects.Rows()) != 0 {
		t.Fatalf("%d rows rejected for an outage", len(rejects.Rows()))
	}
}

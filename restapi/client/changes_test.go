package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/restapi"
	"github.com/articlekit/articlekit/restapi/client"
)

func TestChangesOverServerSentEvents(t *testing.T) {
	c, svc, _ := newClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, err := c.Changes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Create(ctx, articles.Draft{Title: "streamed"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	for _, want := range []articles.ChangeType{articles.Created, articles.Deleted} {
		select {
		case got := <-changes:
			if got.Type != want || got.Article.ID != a.ID {
				t.Fatalf("change = %s %+v, want %s of %d", got.Type, got.Article, want, a.ID)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s change within 5s", want)
		}
	}
	cancel()
	for range changes {
	}
}

// A server stopping ends its streams instead of waiting for them.
func TestChangesEndWhenTheServerStops(t *testing.T) {
	_, svc, _ := newClient(t)
	srv := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0"}, restapi.New(svc))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c, _ := client.New("http://" + srv.Addr().String())
	changes, err := c.Changes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Stop(stopCtx); err != nil {
		t.Fatalf("Stop with an open stream: %v (after %s)", err, time.Since(start))
	}
	select {
	case _, open := <-changes:
		if open {
			t.Fatal("unexpected change")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("stream still open after the server stopped")
	}

	if _, err := c.Changes(context.Background()); !errors.Is(err, articles.ErrUnavailable) {
		t.Fatalf("Changes from a stopped server = %v, want ErrUnavailable", err)
	}
}

// A stream outlives the server's read and write timeouts.
func TestChangesOutliveServerTimeouts(t *testing.T) {
	_, svc, _ := newClient(t)
	srv := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0", ReadTimeout: 100 * time.Millisecond,
		WriteTimeout: 100 * time.Millisecond}, restapi.New(svc))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())
	c, _ := client.New("http://" + srv.Addr().String())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, err := c.Changes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // past both timeouts
	a, err := svc.Create(ctx, articles.Draft{Title: "late"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case got, open := <-changes:
		if !open || got.Article.ID != a.ID {
			t.Fatalf("after the timeouts: %+v (open %v), want the new article", got, open)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no change after the server's timeouts")
	}
}

// A caller that gives up is not told the server is unavailable.
func TestChangesCanceledIsNotUnavailable(t *testing.T) {
	c, _, _ := newClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Changes(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, articles.ErrUnavailable) {
		t.Fatalf("Changes with a canceled context = %v, want context.Canceled, not ErrUnavailable", err)
	}
}

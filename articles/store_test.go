package articles_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
)

// The store suite runs on every database engine; see articlestest.
func TestStore(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		tests := []struct {
			name string
			fn   func(t *testing.T, store *articles.Store, svc *articles.Service)
		}{
			{"Apply", testApply},
			{"Outbox", testOutbox},
			{"ConcurrentUpdates", testConcurrentUpdates},
			{"ApplyBatch", testApplyBatch},
			{"Lease", testLease},
		}
		store := articlestest.NewStore(t, url)
		svc := articles.NewService(store)
		t.Run("API", func(t *testing.T) { articlestest.RunAPISuite(t, svc) })
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, store, svc) })
		}
	})
}

func testApply(t *testing.T, store *articles.Store, svc *articles.Service) {
	ctx := context.Background()
	id := int64(800_000_001)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	v := func(version int64, title string) articles.Article {
		return articles.Article{ID: id, Title: title, Tags: []string{"r"}, CreatedAt: t0,
			UpdatedAt: t0.Add(time.Duration(version) * time.Second), Version: version}
	}
	steps := []struct {
		change articles.Change
		want   articles.ApplyResult
		title  string // expected live title afterwards; "" = deleted
	}{
		{articles.Change{Type: articles.Updated, Article: v(2, "v2")}, articles.Applied, "v2"},
		{articles.Change{Type: articles.Created, Article: v(1, "v1")}, articles.Stale, "v2"},
		{articles.Change{Type: articles.Updated, Article: v(2, "v2 again")}, articles.Stale, "v2"},
		{articles.Change{Type: articles.Updated, Article: v(4, "v4")}, articles.Applied, "v4"},
		{articles.Change{Type: articles.Deleted, Article: articles.Article{ID: id, Version: 5}}, articles.Applied, ""},
		{articles.Change{Type: articles.Updated, Article: v(3, "v3 late")}, articles.Stale, ""},
		{articles.Change{Type: articles.Deleted, Article: articles.Article{ID: id, Version: 5}}, articles.Stale, ""},
		{articles.Change{Type: articles.Created, Article: v(6, "v6 recreated")}, articles.Applied, "v6 recreated"},
	}
	for i, step := range steps {
		got, err := svc.Apply(ctx, step.change)
		if err != nil || got != step.want {
			t.Fatalf("step %d: Apply(%s v%d) = %v, %v; want %v", i, step.change.Type, step.change.Article.Version, got, err, step.want)
		}
		a, err := svc.Get(ctx, id)
		switch {
		case step.title == "" && !errors.Is(err, articles.ErrNotFound):
			t.Fatalf("step %d: Get = %+v, %v; want ErrNotFound", i, a, err)
		case step.title != "" && (err != nil || a.Title != step.title):
			t.Fatalf("step %d: Get = %+v, %v; want title %q", i, a, err, step.title)
		}
	}
	a, _ := svc.Get(ctx, id)
	if !a.CreatedAt.Equal(t0) || !a.UpdatedAt.Equal(t0.Add(6*time.Second)) || a.Version != 6 {
		t.Fatalf("applied article %+v: want the snapshot's timestamps and version", a)
	}
	// A deletion of an unknown article leaves a tombstone that older changes respect.
	if res, err := svc.Apply(ctx, articles.Change{Type: articles.Deleted, Article: articles.Article{ID: id + 1, Version: 3}}); err != nil || res != articles.Applied {
		t.Fatalf("Apply(delete unknown) = %v, %v", res, err)
	}
	if res, _ := svc.Apply(ctx, articles.Change{Type: articles.Created, Article: articles.Article{ID: id + 1, Title: "late", Version: 1}}); res != articles.Stale {
		t.Fatalf("Apply(create older than tombstone) = %v, want stale", res)
	}
	var verr *articles.ValidationError
	for _, bad := range []articles.Change{
		{Type: "renamed", Article: v(9, "x")},
		{Type: articles.Updated, Article: articles.Article{ID: id, Version: 9}},
		{Type: articles.Updated, Article: articles.Article{ID: 0, Title: "x", Version: 9}},
		{Type: articles.Updated, Article: articles.Article{ID: id, Title: "x", Version: 0}},
		{Type: articles.Deleted, Article: articles.Article{ID: articles.MaxID + 1, Version: 1}},
		{Type: articles.Updated, Article: articles.Article{ID: id, Title: "x", Version: articles.MaxID + 1}},
	} {
		if _, err := svc.Apply(ctx, bad); !errors.As(err, &verr) {
			t.Errorf("Apply(%+v) = %v, want a validation error", bad, err)
		}
	}
	// An article replicated at the last version stays there: a later
	// version would be refused by every replica.
	last := articles.Article{ID: id + 2, Title: "last", Tags: []string{}, Version: articles.MaxID}
	if res, err := svc.Apply(ctx, articles.Change{Type: articles.Created, Article: last}); err != nil || res != articles.Applied {
		t.Fatalf("Apply(version MaxID) = %v, %v", res, err)
	}
	if _, err := svc.Update(ctx, last.ID, articles.Draft{Title: "past it"}, articles.MaxID); !errors.Is(err, articles.ErrConflict) {
		t.Errorf("Update at version MaxID = %v, want ErrConflict", err)
	}
	if err := svc.Delete(ctx, last.ID, articles.MaxID); !errors.Is(err, articles.ErrConflict) {
		t.Errorf("Delete at version MaxID = %v, want ErrConflict", err)
	}
	if a, err := svc.Get(ctx, last.ID); err != nil || a.Version != articles.MaxID || a.Title != "last" {
		t.Errorf("article at version MaxID became %+v, %v", a, err)
	}
}

func testOutbox(t *testing.T, store *articles.Store, svc *articles.Service) {
	ctx := context.Background()
	outbox := store.Outbox()
	// Events of earlier tests: published an hour ago.
	publishedAt := time.Now().Add(-time.Hour)
	var seqs []int64
	for _, ev := range pendingEvents(t, outbox) {
		seqs = append(seqs, ev.Seq)
	}
	if err := outbox.MarkPublished(ctx, publishedAt, seqs...); err != nil {
		t.Fatal(err)
	}

	a := articlestest.MustCreate(t, svc, draft("Evented"))
	if _, err := svc.Update(ctx, a.ID, draft("Evented 2"), 0); err != nil {
		t.Fatal(err)
	}
	// Failed writes must leave no event.
	_, _ = svc.Update(ctx, a.ID, draft("Conflict"), 99)
	_, _ = svc.Create(ctx, articles.Draft{})
	if err := svc.Delete(ctx, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	// Replicated changes are not new changes.
	_, _ = svc.Apply(ctx, articles.Change{Type: articles.Created, Article: articles.Article{ID: 700_000_001, Title: "r", Version: 1}})

	events := pendingEvents(t, outbox)
	want := []struct {
		typ     articles.ChangeType
		version int64
		title   string
	}{{articles.Created, 1, "Evented"}, {articles.Updated, 2, "Evented 2"}, {articles.Deleted, 3, ""}}
	if len(events) != len(want) {
		t.Fatalf("outbox has %d pending events, want %d: %+v", len(events), len(want), events)
	}
	for i, ev := range events {
		ch, err := ev.Change()
		if err != nil {
			t.Fatal(err)
		}
		if ev.ArticleID != a.ID || ev.Type != want[i].typ || ev.Version != want[i].version || ev.ID == "" ||
			ch.Article.Title != want[i].title || ch.Article.Version != want[i].version || ch.Article.ID != a.ID {
			t.Errorf("event %d = %+v (article %+v), want %+v", i, ev, ch.Article, want[i])
		}
		if i > 0 && ev.Seq <= events[i-1].Seq {
			t.Errorf("events out of order: seq %d after %d", ev.Seq, events[i-1].Seq)
		}
	}

	stats, err := outbox.Stats(ctx)
	if err != nil || stats.Pending != 3 || stats.OldestPending.IsZero() {
		t.Fatalf("Stats = %+v, %v; want 3 pending", stats, err)
	}
	if err := outbox.MarkPublished(ctx, publishedAt, events[0].Seq, events[1].Seq); err != nil {
		t.Fatal(err)
	}
	seqs = append(seqs, events[0].Seq, events[1].Seq)
	if rest := pendingEvents(t, outbox); len(rest) != 1 || rest[0].Seq != events[2].Seq {
		t.Fatalf("pending after marking = %+v, want only the delete event", rest)
	}
	if n, err := outbox.Prune(ctx, publishedAt.Add(-time.Minute)); err != nil || n != 0 {
		t.Fatalf("Prune(before publication) = %d, %v; want 0", n, err)
	}
	if n, err := outbox.Prune(ctx, time.Now()); err != nil || n != int64(len(seqs)) {
		t.Fatalf("Prune(now) = %d, %v; want %d", n, err, len(seqs))
	}
	if rest := pendingEvents(t, outbox); len(rest) != 1 {
		t.Fatalf("Prune removed unpublished events: %+v", rest)
	}
	if err := outbox.MarkPublished(ctx, time.Now(), events[2].Seq); err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(events[1].Payload, &payload); err != nil || payload["title"] != "Evented 2" {
		t.Fatalf("payload %s: want the article's JSON", events[1].Payload)
	}
}

func testConcurrentUpdates(t *testing.T, store *articles.Store, svc *articles.Service) {
	ctx := context.Background()
	a := articlestest.MustCreate(t, svc, draft("Contended"))
	const writers = 8
	var wg sync.WaitGroup
	results := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			_, err := svc.Update(ctx, a.ID, draft("Writer"+string(rune('A'+i))), a.Version)
			results <- err
		})
	}
	wg.Wait()
	close(results)
	var won, conflicts int
	for err := range results {
		switch {
		case err == nil:
			won++
		case errors.Is(err, articles.ErrConflict):
			conflicts++
		default:
			t.Errorf("concurrent Update: %v", err)
		}
	}
	if won != 1 || conflicts != writers-1 {
		t.Fatalf("%d writers with the same expected version: %d won, %d conflicts; want exactly one winner", writers, won, conflicts)
	}
	got, _ := svc.Get(ctx, a.ID)
	if got.Version != 2 {
		t.Fatalf("version after one winning update = %d, want 2", got.Version)
	}
}

func pendingEvents(t *testing.T, o *articles.Outbox) []articles.Event {
	t.Helper()
	events, err := o.Pending(context.Background(), 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func draft(title string) articles.Draft {
	return articles.Draft{Title: title, Content: "Body of " + title, Author: "ada"}
}

func testApplyBatch(t *testing.T, store *articles.Store, svc *articles.Service) {
	ctx := context.Background()
	id := int64(600_000_001)
	changes := []articles.Change{
		{Type: articles.Created, Article: articles.Article{ID: id, Title: "one", Version: 1}},
		{Type: articles.Updated, Article: articles.Article{ID: id, Title: "two", Version: 2}},
		{Type: articles.Updated, Article: articles.Article{ID: id, Title: "two again", Version: 2}},
		{Type: articles.Created, Article: articles.Article{ID: id + 1, Title: "other", Version: 4}},
	}
	results, err := svc.ApplyBatch(ctx, changes)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(results) != "[applied applied stale applied]" {
		t.Fatalf("ApplyBatch = %v", results)
	}
	// All or nothing: an invalid change names itself and nothing is stored.
	bad := []articles.Change{
		{Type: articles.Updated, Article: articles.Article{ID: id, Title: "three", Version: 3}},
		{Type: articles.Updated, Article: articles.Article{ID: id, Title: "", Version: 4}},
	}
	_, err = svc.ApplyBatch(ctx, bad)
	var cerr *articles.ChangeError
	var verr *articles.ValidationError
	if !errors.As(err, &cerr) || cerr.Index != 1 || !errors.As(err, &verr) {
		t.Fatalf("ApplyBatch(invalid second) = %v, want a ChangeError at 1 wrapping a ValidationError", err)
	}
	if a, _ := svc.Get(ctx, id); a.Version != 2 || a.Title != "two" {
		t.Fatalf("after a refused batch: %+v, want version 2 untouched", a)
	}
	// Snapshot lists current states, tombstones included.
	if err := svc.Delete(ctx, id+1, 0); err != nil {
		t.Fatal(err)
	}
	snap, err := svc.Snapshot(ctx, id-1, 10)
	if err != nil || len(snap) < 2 || snap[0].Article.ID != id || snap[0].Type != articles.Updated ||
		snap[1].Article.ID != id+1 || snap[1].Type != articles.Deleted || snap[1].Article.Version != 5 {
		t.Fatalf("Snapshot = %+v, %v", snap, err)
	}
}

func testLease(t *testing.T, store *articles.Store, svc *articles.Service) {
	ctx := context.Background()
	o := store.Outbox()
	for _, step := range []struct {
		holder string
		ttl    time.Duration
		want   bool
	}{
		{"relay-a", time.Minute, true},  // free
		{"relay-b", time.Minute, false}, // held by a
		{"relay-a", time.Minute, true},  // a renews
	} {
		if got, err := o.TryLease(ctx, "relay", step.holder, step.ttl); err != nil || got != step.want {
			t.Fatalf("TryLease(%s) = %v, %v; want %v", step.holder, got, err, step.want)
		}
	}
	if err := o.ReleaseLease(ctx, "relay", "relay-b"); err != nil {
		t.Fatal(err)
	}
	if got, _ := o.TryLease(ctx, "relay", "relay-b", time.Minute); got {
		t.Fatal("a release by a non-holder freed the lease")
	}
	if err := o.ReleaseLease(ctx, "relay", "relay-a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := o.TryLease(ctx, "relay", "relay-b", time.Millisecond); !got {
		t.Fatal("the released lease was not free")
	}
	time.Sleep(5 * time.Millisecond)
	if got, _ := o.TryLease(ctx, "relay", "relay-a", time.Minute); !got {
		t.Fatal("an expired lease was not free")
	}
}

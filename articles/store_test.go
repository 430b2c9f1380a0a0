package articles_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
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
			fn   func(t *testing.T, svc *articles.Service)
		}{
			{"CreateGet", testCreateGet},
			{"TextStoredExactly", testTextStoredExactly},
			{"Update", testUpdate},
			{"Put", testPut},
			{"DeleteKeepsTombstone", testDelete},
			{"List", testList},
			{"Apply", testApply},
			{"Outbox", testOutbox},
			{"ConcurrentUpdates", testConcurrentUpdates},
		}
		svc := articlestest.NewService(t, url)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, svc) })
		}
	})
}

func draft(title string, tags ...string) articles.Draft {
	return articles.Draft{Title: title, Content: "Body of " + title, Author: "ada", Tags: tags}
}

func mustCreate(t *testing.T, svc *articles.Service, d articles.Draft) articles.Article {
	t.Helper()
	a, err := svc.Create(context.Background(), d)
	if err != nil {
		t.Fatalf("Create(%q): %v", d.Title, err)
	}
	return a
}

func testCreateGet(t *testing.T, svc *articles.Service) {
	ctx := context.Background()
	first := mustCreate(t, svc, draft("First", "go", "db"))
	second := mustCreate(t, svc, articles.Draft{Title: "Second"})
	if first.ID <= 0 || second.ID <= first.ID {
		t.Fatalf("ids %d, %d: want positive and increasing", first.ID, second.ID)
	}
	if first.Version != 1 || first.CreatedAt.IsZero() || !first.CreatedAt.Equal(first.UpdatedAt) {
		t.Fatalf("new article %+v: want version 1 and created_at = updated_at", first)
	}
	if second.Tags == nil || len(second.Tags) != 0 {
		t.Fatalf("tags of an article without tags = %#v, want empty non-nil", second.Tags)
	}
	got, err := svc.Get(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, got, first)
	if _, err := svc.Get(ctx, 1<<62); !errors.Is(err, articles.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	_, err = svc.Create(ctx, articles.Draft{Title: "  "})
	var verr *articles.ValidationError
	if !errors.As(err, &verr) || verr.Fields[0].Field != "title" {
		t.Fatalf("Create(blank title) = %v, want a validation error on title", err)
	}
}

func testTextStoredExactly(t *testing.T, svc *articles.Service) {
	for _, d := range []articles.Draft{
		{Title: "Robert'); DROP TABLE articles;--", Content: "' OR '1'='1", Author: `"; DELETE FROM article_tags; --`},
		{Title: "<script>alert(1)</script>", Content: "<b>bold</b> &amp; <i>it</i>", Tags: []string{"<tag>", "a&b"}},
		{Title: "  spaced title  ", Content: "line one\r\nline two\n\tindented", Author: "Zoë Ünïcödé 🚀"},
		{Title: "日本語のタイトル", Content: "混合 text \\ back\\slash % _ wildcards", Tags: []string{"%", "_", "'"}},
	} {
		a := mustCreate(t, svc, d)
		got, err := svc.Get(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != d.Title || got.Content != d.Content || got.Author != d.Author || !slices.Equal(got.Tags, nonNil(d.Tags)) {
			t.Errorf("stored %+v\n     got %+v", d, got.Draft())
		}
	}
}

func testUpdate(t *testing.T, svc *articles.Service) {
	ctx := context.Background()
	a := mustCreate(t, svc, draft("Original", "x"))
	time.Sleep(2 * time.Millisecond) // so updated_at moves on coarse clocks

	up, err := svc.Update(ctx, a.ID, draft("Changed", "y", "z"), a.Version)
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.Title != "Changed" || !up.CreatedAt.Equal(a.CreatedAt) || !up.UpdatedAt.After(a.UpdatedAt) {
		t.Fatalf("updated %+v from %+v", up, a)
	}
	if _, err := svc.Update(ctx, a.ID, draft("Stale"), a.Version); !errors.Is(err, articles.ErrConflict) {
		t.Fatalf("Update with stale version = %v, want ErrConflict", err)
	}
	if _, err := svc.Update(ctx, a.ID, draft("Any version"), 0); err != nil {
		t.Fatalf("Update without expected version: %v", err)
	}
	if _, err := svc.Update(ctx, 1<<62, draft("Nobody"), 0); !errors.Is(err, articles.ErrNotFound) {
		t.Fatalf("Update(missing) = %v, want ErrNotFound", err)
	}
	got, _ := svc.Get(ctx, a.ID)
	if got.Version != 3 || got.Title != "Any version" || !slices.Equal(got.Tags, []string{}) {
		t.Fatalf("after updates: %+v", got)
	}
}

func testPut(t *testing.T, svc *articles.Service) {
	ctx := context.Background()
	id := int64(900_000_001)
	a, created, err := svc.Put(ctx, id, draft("Chosen id", "t"), articles.Precondition{MustNotExist: true})
	if err != nil || !created || a.ID != id || a.Version != 1 {
		t.Fatalf("Put(new id) = %+v, created=%v, err=%v", a, created, err)
	}
	a, created, err = svc.Put(ctx, id, draft("Replaced"), articles.Precondition{Version: 1})
	if err != nil || created || a.Version != 2 || a.Title != "Replaced" {
		t.Fatalf("Put(existing) = %+v, created=%v, err=%v", a, created, err)
	}
	for _, pre := range []articles.Precondition{{MustNotExist: true}, {Version: 1}} {
		if _, _, err := svc.Put(ctx, id, draft("No"), pre); !errors.Is(err, articles.ErrConflict) {
			t.Errorf("Put with unmet %+v = %v, want ErrConflict", pre, err)
		}
	}
	if _, _, err := svc.Put(ctx, id+1, draft("No"), articles.Precondition{MustExist: true}); !errors.Is(err, articles.ErrConflict) {
		t.Errorf("Put(missing, MustExist) = %v, want ErrConflict", err)
	}
	// Ids assigned later must not collide with the explicit one.
	next := mustCreate(t, svc, draft("After explicit id"))
	if next.ID <= id {
		t.Fatalf("Create after Put(%d) assigned id %d", id, next.ID)
	}
}

func testDelete(t *testing.T, svc *articles.Service) {
	ctx := context.Background()
	a := mustCreate(t, svc, draft("Doomed", "gone"))
	if err := svc.Delete(ctx, a.ID, 99); !errors.Is(err, articles.ErrConflict) {
		t.Fatalf("Delete with wrong version = %v, want ErrConflict", err)
	}
	if err := svc.Delete(ctx, a.ID, a.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(ctx, a.ID); !errors.Is(err, articles.ErrNotFound) {
		t.Fatalf("Get(deleted) = %v, want ErrNotFound", err)
	}
	if err := svc.Delete(ctx, a.ID, 0); !errors.Is(err, articles.ErrNotFound) {
		t.Fatalf("Delete(deleted) = %v, want ErrNotFound", err)
	}
	page, err := svc.List(ctx, articles.ListQuery{Tag: "gone"})
	if err != nil || len(page.Articles) != 0 {
		t.Fatalf("List(tag of deleted) = %+v, %v", page, err)
	}
	// An older replicated change must not resurrect the tombstone (version 2).
	if res, err := svc.Apply(ctx, articles.Change{Type: articles.Updated, Article: withVersion(a, 2)}); err != nil || res != articles.Stale {
		t.Fatalf("Apply(v2 after delete at v2) = %v, %v; want stale", res, err)
	}
	// A PUT brings it back with the version after the deletion.
	back, created, err := svc.Put(ctx, a.ID, draft("Back"), articles.Precondition{})
	if err != nil || !created || back.Version != 3 {
		t.Fatalf("Put(deleted id) = %+v, created=%v, %v; want created at version 3", back, created, err)
	}
}

func testList(t *testing.T, svc *articles.Service) {
	ctx := context.Background()
	author := "lister-" + time.Now().Format("150405.000000")
	var ids []int64
	for i := range 7 {
		tags := []string{"list"}
		if i%2 == 0 {
			tags = append(tags, "even")
		}
		a := mustCreate(t, svc, articles.Draft{Title: "L", Author: author, Tags: tags})
		ids = append(ids, a.ID)
	}
	other := mustCreate(t, svc, articles.Draft{Title: "Other", Author: author + "x", Tags: []string{"even"}})

	tests := []struct {
		name      string
		q         articles.ListQuery
		want      []int64
		total     int64
		more      bool
		wantError bool
	}{
		{"by author", articles.ListQuery{Author: author}, ids, 7, false, false},
		{"first page", articles.ListQuery{Author: author, Limit: 3}, ids[:3], 7, true, false},
		{"offset page", articles.ListQuery{Author: author, Limit: 3, Offset: 3}, ids[3:6], 7, true, false},
		{"last page", articles.ListQuery{Author: author, Limit: 3, Offset: 6}, ids[6:], 7, false, false},
		{"after id", articles.ListQuery{Author: author, Limit: 2, AfterID: ids[4]}, ids[5:7], 7, false, false},
		{"author and tag", articles.ListQuery{Author: author, Tag: "even"}, []int64{ids[0], ids[2], ids[4], ids[6]}, 4, false, false},
		{"tag only", articles.ListQuery{Tag: "even", AfterID: ids[5]}, []int64{ids[6], other.ID}, -1, false, false},
		{"no match", articles.ListQuery{Author: author, Tag: "nope"}, nil, 0, false, false},
		{"limit too big", articles.ListQuery{Limit: articles.MaxPageSize + 1}, nil, 0, false, true},
		{"negative offset", articles.ListQuery{Offset: -1}, nil, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := svc.List(ctx, tt.q)
			if tt.wantError {
				var verr *articles.ValidationError
				if !errors.As(err, &verr) {
					t.Fatalf("List(%+v) = %v, want a validation error", tt.q, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, a := range page.Articles {
				got = append(got, a.ID)
			}
			if !slices.Equal(got, tt.want) || page.More != tt.more || (tt.total >= 0 && page.Total != tt.total) {
				t.Fatalf("List(%+v) = ids %v total %d more %v; want %v total %d more %v",
					tt.q, got, page.Total, page.More, tt.want, tt.total, tt.more)
			}
		})
	}
}

func testApply(t *testing.T, svc *articles.Service) {
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
	} {
		if _, err := svc.Apply(ctx, bad); !errors.As(err, &verr) {
			t.Errorf("Apply(%+v) = %v, want a validation error", bad, err)
		}
	}
}

func testOutbox(t *testing.T, svc *articles.Service) {
	ctx := context.Background()
	outbox := svc.Store().Outbox()
	before := pendingEvents(t, outbox)
	var after int64
	if len(before) > 0 {
		after = before[len(before)-1].Seq
	}

	a := mustCreate(t, svc, draft("Evented", "e"))
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

	events, err := outbox.Pending(ctx, after, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ     articles.ChangeType
		version int64
		title   string
	}{{articles.Created, 1, "Evented"}, {articles.Updated, 2, "Evented 2"}, {articles.Deleted, 3, ""}}
	if len(events) != len(want) {
		t.Fatalf("outbox has %d new events, want %d: %+v", len(events), len(want), events)
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
	if err != nil || stats.Pending != int64(len(before)+3) || stats.OldestPending.IsZero() {
		t.Fatalf("Stats = %+v, %v; want %d pending", stats, err, len(before)+3)
	}
	publishedAt := time.Now().Add(-time.Hour)
	var seqs []int64
	for _, ev := range append(before, events[:2]...) {
		seqs = append(seqs, ev.Seq)
	}
	if err := outbox.MarkPublished(ctx, publishedAt, seqs...); err != nil {
		t.Fatal(err)
	}
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

func testConcurrentUpdates(t *testing.T, svc *articles.Service) {
	ctx := context.Background()
	a := mustCreate(t, svc, draft("Contended"))
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
	events, err := o.Pending(context.Background(), 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func assertSame(t *testing.T, got, want articles.Article) {
	t.Helper()
	if got.ID != want.ID || got.Title != want.Title || got.Content != want.Content || got.Author != want.Author ||
		!slices.Equal(got.Tags, want.Tags) || !got.CreatedAt.Equal(want.CreatedAt) ||
		!got.UpdatedAt.Equal(want.UpdatedAt) || got.Version != want.Version {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func withVersion(a articles.Article, v int64) articles.Article {
	a.Version = v
	return a
}

func nonNil(tags []string) []string {
	if tags == nil {
		return []string{}
	}
	return tags
}

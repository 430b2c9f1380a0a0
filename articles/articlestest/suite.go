package articlestest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/articlekit/articlekit/articles"
)

// API is the article API as its callers see it, in process
// (*articles.Service) or over the network (the REST client).
type API interface {
	Create(ctx context.Context, d articles.Draft) (articles.Article, error)
	CreateOnce(ctx context.Context, key string, d articles.Draft) (articles.Article, bool, error)
	Get(ctx context.Context, id int64) (articles.Article, error)
	List(ctx context.Context, q articles.ListQuery) (articles.Page, error)
	Update(ctx context.Context, id int64, d articles.Draft, expectedVersion int64) (articles.Article, error)
	Put(ctx context.Context, id int64, d articles.Draft, pre articles.Precondition) (articles.Article, bool, error)
	Delete(ctx context.Context, id int64, expectedVersion int64) error
}

// RunAPISuite checks that api behaves as the article API must: every
// implementation — the service on each database, the REST client — passes
// the same suite. api must start empty of the ids it uses (900000001 and
// up are created explicitly).
func RunAPISuite(t *testing.T, api API) {
	tests := []struct {
		name string
		fn   func(t *testing.T, api API)
	}{
		{"CreateGet", testCreateGet},
		{"CreateOnce", testCreateOnce},
		{"TextStoredExactly", testTextStoredExactly},
		{"Update", testUpdate},
		{"Put", testPut},
		{"Delete", testDelete},
		{"List", testList},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, api) })
	}
}

func testCreateGet(t *testing.T, api API) {
	ctx := context.Background()
	first := MustCreate(t, api, draft("First", "go", "db"))
	second := MustCreate(t, api, articles.Draft{Title: "Second"})
	if first.ID <= 0 || second.ID <= first.ID {
		t.Fatalf("ids %d, %d: want positive and increasing", first.ID, second.ID)
	}
	if first.Version != 1 || first.CreatedAt.IsZero() || !first.CreatedAt.Equal(first.UpdatedAt) {
		t.Fatalf("new article %+v: want version 1 and created_at = updated_at", first)
	}
	if second.Tags == nil || len(second.Tags) != 0 {
		t.Fatalf("tags of an article without tags = %#v, want empty non-nil", second.Tags)
	}
	got, err := api.Get(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, got, first)
	if _, err := api.Get(ctx, 1<<62); !errors.Is(err, articles.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	_, err = api.Create(ctx, articles.Draft{Title: "  "})
	var verr *articles.ValidationError
	if !errors.As(err, &verr) || verr.Fields[0].Field != "title" {
		t.Fatalf("Create(blank title) = %v, want a validation error on title", err)
	}
}

// A create under an idempotency key happens once: a retry replays it, the
// key with another draft is refused, and concurrent retries create one
// article.
func testCreateOnce(t *testing.T, api API) {
	ctx := context.Background()
	key := "suite-" + randomHex(8)
	d := draft("Once", "retry")
	first, replayed, err := api.CreateOnce(ctx, key, d)
	if err != nil || replayed {
		t.Fatalf("CreateOnce = %+v, replayed %v, %v", first, replayed, err)
	}
	again, replayed, err := api.CreateOnce(ctx, key, d)
	if err != nil || !replayed {
		t.Fatalf("CreateOnce again = replayed %v, %v; want the first replayed", replayed, err)
	}
	assertSame(t, again, first)
	if _, _, err := api.CreateOnce(ctx, key, draft("Another", "retry")); !errors.Is(err, articles.ErrKeyReused) {
		t.Fatalf("the key with another draft = %v, want ErrKeyReused", err)
	}
	// The first article changed since: a replay still answers as the
	// first request was answered.
	if _, err := api.Update(ctx, first.ID, draft("Changed"), first.Version); err != nil {
		t.Fatal(err)
	}
	if again, _, err := api.CreateOnce(ctx, key, d); err != nil || again.Version != 1 || again.Title != "Once" {
		t.Fatalf("replay after a change = %+v, %v; want the created article", again, err)
	}
	for _, bad := range []string{"", strings.Repeat("k", articles.MaxKeyLen+1), "tab\tkey", "ünïcode"} {
		var verr *articles.ValidationError
		if _, _, err := api.CreateOnce(ctx, bad, d); !errors.As(err, &verr) && !errors.Is(err, articles.ErrInvalid) {
			t.Errorf("CreateOnce(key %q) = %v, want it refused as invalid", bad, err)
		}
	}

	concurrent := "suite-concurrent-" + randomHex(8)
	ids := make(chan int64, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			a, _, err := api.CreateOnce(ctx, concurrent, draft("Raced"))
			if err != nil {
				t.Errorf("concurrent CreateOnce: %v", err)
				return
			}
			ids <- a.ID
		})
	}
	wg.Wait()
	close(ids)
	var seen []int64
	for id := range ids {
		if !slices.Contains(seen, id) {
			seen = append(seen, id)
		}
	}
	if len(seen) != 1 {
		t.Fatalf("8 concurrent CreateOnce with one key made articles %v, want one", seen)
	}
}

func testTextStoredExactly(t *testing.T, api API) {
	for _, d := range []articles.Draft{
		{Title: "Robert'); DROP TABLE articles;--", Content: "' OR '1'='1", Author: `"; DELETE FROM article_tags; --`},
		{Title: "<script>alert(1)</script>", Content: "<b>bold</b> &amp; <i>it</i>", Tags: []string{"<tag>", "a&b"}},
		{Title: "  spaced title  ", Content: "line one\r\nline two\n\tindented", Author: "Zoë Ünïcödé 🚀"},
		{Title: "日本語のタイトル", Content: "混合 text \\ back\\slash % _ wildcards", Tags: []string{"%", "_", "'"}},
		{Title: "Trailing spaces are data", Author: "spacey ", Tags: []string{"go", "go ", " go"}},
	} {
		a := MustCreate(t, api, d)
		got, err := api.Get(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != d.Title || got.Content != d.Content || got.Author != d.Author || !slices.Equal(got.Tags, nonNil(d.Tags)) {
			t.Errorf("stored %+v\n     got %+v", d, got.Draft())
		}
	}
	// Filters match exactly, trailing spaces included, on every database.
	for filter, want := range map[articles.ListQuery]int{
		{Author: "spacey"}: 0, {Author: "spacey "}: 1,
		{Author: "spacey ", Tag: "go "}: 1, {Author: "spacey ", Tag: "go  "}: 0,
	} {
		page, err := api.List(context.Background(), filter)
		if err != nil || len(page.Articles) != want {
			t.Errorf("List(%+v) = %d articles, %v; want %d", filter, len(page.Articles), err, want)
		}
	}
}

func testUpdate(t *testing.T, api API) {
	ctx := context.Background()
	a := MustCreate(t, api, draft("Original", "x"))
	time.Sleep(2 * time.Millisecond) // so updated_at moves on coarse clocks

	up, err := api.Update(ctx, a.ID, draft("Changed", "y", "z"), a.Version)
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.Title != "Changed" || !up.CreatedAt.Equal(a.CreatedAt) || !up.UpdatedAt.After(a.UpdatedAt) {
		t.Fatalf("updated %+v from %+v", up, a)
	}
	if _, err := api.Update(ctx, a.ID, draft("Stale"), a.Version); !errors.Is(err, articles.ErrConflict) {
		t.Fatalf("Update with stale version = %v, want ErrConflict", err)
	}
	if _, err := api.Update(ctx, a.ID, draft("Any version"), 0); err != nil {
		t.Fatalf("Update without expected version: %v", err)
	}
	if _, err := api.Update(ctx, 1<<52, draft("Nobody"), 0); !errors.Is(err, articles.ErrNotFound) {
		t.Fatalf("Update(missing) = %v, want ErrNotFound", err)
	}
	got, _ := api.Get(ctx, a.ID)
	if got.Version != 3 || got.Title != "Any version" || !slices.Equal(got.Tags, []string{}) {
		t.Fatalf("after updates: %+v", got)
	}
}

func testPut(t *testing.T, api API) {
	ctx := context.Background()
	id := int64(900_000_001)
	a, created, err := api.Put(ctx, id, draft("Chosen id", "t"), articles.Precondition{MustNotExist: true})
	if err != nil || !created || a.ID != id || a.Version != 1 {
		t.Fatalf("Put(new id) = %+v, created=%v, err=%v", a, created, err)
	}
	a, created, err = api.Put(ctx, id, draft("Replaced"), articles.Precondition{Version: 1})
	if err != nil || created || a.Version != 2 || a.Title != "Replaced" {
		t.Fatalf("Put(existing) = %+v, created=%v, err=%v", a, created, err)
	}
	for _, pre := range []articles.Precondition{{MustNotExist: true}, {Version: 1}} {
		if _, _, err := api.Put(ctx, id, draft("No"), pre); !errors.Is(err, articles.ErrConflict) {
			t.Errorf("Put with unmet %+v = %v, want ErrConflict", pre, err)
		}
	}
	if _, _, err := api.Put(ctx, id+1, draft("No"), articles.Precondition{MustExist: true}); !errors.Is(err, articles.ErrConflict) {
		t.Errorf("Put(missing, MustExist) = %v, want ErrConflict", err)
	}
	// Ids assigned later never collide with the explicit one.
	next := MustCreate(t, api, draft("After explicit id"))
	if next.ID == id {
		t.Fatalf("Create after Put(%d) assigned the same id", id)
	}
	// Clients choose new ids up to MaxID; the rest is the id sequence's, so
	// that no request can exhaust it.
	var verr *articles.ValidationError
	if _, _, err := api.Put(ctx, articles.MaxID+1, draft("Too far"), articles.Precondition{}); !errors.As(err, &verr) || verr.Fields[0].Field != "id" {
		t.Fatalf("Put(MaxID+1) = %v, want a validation error on id", err)
	}
	if _, created, err := api.Put(ctx, articles.MaxID, draft("Edge"), articles.Precondition{}); err != nil || !created {
		t.Fatalf("Put(MaxID) = created %v, %v", created, err)
	}
	// Ids chosen by clients never move the ids of later creates, which skip
	// any id a client took first.
	beyond := MustCreate(t, api, draft("Sequence goes on"))
	if beyond.ID >= articles.MaxID {
		t.Fatalf("Create after Put(MaxID) assigned id %d: explicit ids moved the allocator", beyond.ID)
	}
	if _, _, err := api.Put(ctx, beyond.ID+1, draft("Taken first"), articles.Precondition{}); err != nil {
		t.Fatal(err)
	}
	skipped := MustCreate(t, api, draft("Skips the taken id"))
	if skipped.ID <= beyond.ID+1 {
		t.Fatalf("Create after Put(%d) assigned id %d", beyond.ID+1, skipped.ID)
	}
	if _, err := api.Update(ctx, beyond.ID, draft("Still writable"), beyond.Version); err != nil {
		t.Fatalf("Update(%d) beyond MaxID: %v", beyond.ID, err)
	}
}

func testDelete(t *testing.T, api API) {
	ctx := context.Background()
	a := MustCreate(t, api, draft("Doomed", "gone"))
	if err := api.Delete(ctx, a.ID, 99); !errors.Is(err, articles.ErrConflict) {
		t.Fatalf("Delete with wrong version = %v, want ErrConflict", err)
	}
	if err := api.Delete(ctx, a.ID, a.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Get(ctx, a.ID); !errors.Is(err, articles.ErrNotFound) {
		t.Fatalf("Get(deleted) = %v, want ErrNotFound", err)
	}
	if err := api.Delete(ctx, a.ID, 0); !errors.Is(err, articles.ErrNotFound) {
		t.Fatalf("Delete(deleted) = %v, want ErrNotFound", err)
	}
	page, err := api.List(ctx, articles.ListQuery{Tag: "gone"})
	if err != nil || len(page.Articles) != 0 {
		t.Fatalf("List(tag of deleted) = %+v, %v", page, err)
	}
	// A PUT brings it back with the version after the deletion.
	back, created, err := api.Put(ctx, a.ID, draft("Back"), articles.Precondition{})
	if err != nil || !created || back.Version != 3 {
		t.Fatalf("Put(deleted id) = %+v, created=%v, %v; want created at version 3", back, created, err)
	}
}

// anyTotal marks list cases whose total depends on other tests' articles.
const anyTotal = -2

func testList(t *testing.T, api API) {
	ctx := context.Background()
	author := "lister-" + time.Now().Format("150405.000000")
	var ids []int64
	for i := range 7 {
		tags := []string{"list"}
		if i%2 == 0 {
			tags = append(tags, "even")
		}
		a := MustCreate(t, api, articles.Draft{Title: "L", Author: author, Tags: tags})
		ids = append(ids, a.ID)
	}
	other := MustCreate(t, api, articles.Draft{Title: "Other", Author: author + "x", Tags: []string{"even"}})
	// Searches look for a word no other test's article holds, in lower
	// case: some spell it in upper case.
	word := "needle" + time.Now().Format("150405000000")
	inTitle := MustCreate(t, api, articles.Draft{Title: "A " + strings.ToUpper(word) + " in the title", Tags: []string{"found"}})
	inContent := MustCreate(t, api, articles.Draft{Title: "Content", Content: "line one\nthe " + word + " here"})
	inAuthor := MustCreate(t, api, articles.Draft{Title: "Author", Author: word + "-writer"})
	literal := MustCreate(t, api, articles.Draft{Title: word + "_100%!"})
	gone := MustCreate(t, api, articles.Draft{Title: word + " deleted"})
	if err := api.Delete(ctx, gone.ID, 0); err != nil {
		t.Fatal(err)
	}
	found := []int64{inTitle.ID, inContent.ID, inAuthor.ID, literal.ID}

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
		{"tag only", articles.ListQuery{Tag: "even", AfterID: ids[5]}, []int64{ids[6], other.ID}, anyTotal, false, false},
		{"no match", articles.ListQuery{Author: author, Tag: "nope"}, nil, 0, false, false},
		{"total skipped", articles.ListQuery{Author: author, Limit: 2, SkipTotal: true}, ids[:2], -1, true, false},
		{"limit too big", articles.ListQuery{Limit: articles.MaxPageSize + 1}, nil, 0, false, true},
		{"negative offset", articles.ListQuery{Offset: -1}, nil, 0, false, true},
		{"NUL in author", articles.ListQuery{Author: "a\x00b"}, nil, 0, false, true},
		{"control character in tag", articles.ListQuery{Tag: "\a"}, nil, 0, false, true},
		{"search: title, content or author", articles.ListQuery{Search: word}, found, 4, false, false},
		{"search in upper case", articles.ListQuery{Search: strings.ToUpper(word)}, found, 4, false, false},
		{"search and tag", articles.ListQuery{Search: word, Tag: "found"}, []int64{inTitle.ID}, 1, false, false},
		{"search and author", articles.ListQuery{Search: word, Author: word + "-writer"}, []int64{inAuthor.ID}, 1, false, false},
		{"search, paged", articles.ListQuery{Search: word, Limit: 2, Offset: 1}, found[1:3], 4, true, false},
		// % and _ are characters, not wildcards: _ would match the - of
		// the author, % anything.
		{"search for an underscore", articles.ListQuery{Search: word + "_"}, []int64{literal.ID}, 1, false, false},
		{"search for a percent sign", articles.ListQuery{Search: word + "%"}, nil, 0, false, false},
		{"search for every special character", articles.ListQuery{Search: word + "_100%!"}, []int64{literal.ID}, 1, false, false},
		{"search without a match", articles.ListQuery{Search: word + "x"}, nil, 0, false, false},
		{"search too long", articles.ListQuery{Search: strings.Repeat("x", articles.MaxSearchLen+1)}, nil, 0, false, true},
		{"control character in search", articles.ListQuery{Search: "a\x00"}, nil, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := api.List(ctx, tt.q)
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
			if !slices.Equal(got, tt.want) || page.More != tt.more || (tt.total != anyTotal && page.Total != tt.total) {
				t.Fatalf("List(%+v) = ids %v total %d more %v; want %v total %d more %v",
					tt.q, got, page.Total, page.More, tt.want, tt.total, tt.more)
			}
		})
	}
}

// draft is an article with the given title and tags.
func draft(title string, tags ...string) articles.Draft {
	return articles.Draft{Title: title, Content: "Body of " + title, Author: "ada", Tags: tags}
}

// MustCreate creates an article through api or fails the test.
func MustCreate(t testing.TB, api API, d articles.Draft) articles.Article {
	t.Helper()
	a, err := api.Create(context.Background(), d)
	if err != nil {
		t.Fatalf("Create(%q): %v", d.Title, err)
	}
	return a
}

func assertSame(t testing.TB, got, want articles.Article) {
	t.Helper()
	if got.ID != want.ID || got.Title != want.Title || got.Content != want.Content || got.Author != want.Author ||
		!slices.Equal(got.Tags, want.Tags) || !got.CreatedAt.Equal(want.CreatedAt) ||
		!got.UpdatedAt.Equal(want.UpdatedAt) || got.Version != want.Version {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func nonNil(tags []string) []string {
	if tags == nil {
		return []string{}
	}
	return tags
}

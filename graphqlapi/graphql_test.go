package graphqlapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket/wsjson"

	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/internal/httpserver"
)

const articleFields = `id title content author tags createdAt updatedAt version`

type article struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Content   string    `json:"content"`
	Author    string    `json:"author"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Version   int64     `json:"version"`
}

// The operation set, through each backend.
func TestOperations(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := b.make(t, graphqlapi.Config{})
			tests := []struct {
				name string
				fn   func(t *testing.T, s *stack)
			}{
				{"CreateAndGet", testCreateAndGet},
				{"GetArticles", testGetArticles},
				{"Update", testUpdate},
				{"Delete", testDelete},
				{"BadInput", testBadInput},
				{"Subscription", testSubscription},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) { tt.fn(t, s) })
			}
		})
	}
}

func (s *stack) create(title, author string, tags ...string) article {
	s.t.Helper()
	var a article
	s.do(`mutation($in: ArticleInput!) { createArticle(input: $in) { `+articleFields+` } }`,
		"in", map[string]any{"title": title, "author": author, "tags": tags, "content": "body of " + title}).
		data(s.t, "createArticle", &a)
	return a
}

func testCreateAndGet(t *testing.T, s *stack) {
	created := s.create("<b>GraphQL</b> & 'quotes'", "ada", "gql", "go")
	if created.ID == "" || created.Version != 1 || created.Title != "<b>GraphQL</b> & 'quotes'" ||
		strings.Join(created.Tags, ",") != "gql,go" || created.CreatedAt.IsZero() || !created.CreatedAt.Equal(created.UpdatedAt) {
		t.Fatalf("createArticle = %+v", created)
	}
	var got article
	s.do(`query($id: ID!) { getArticle(id: $id) { `+articleFields+` } }`, "id", created.ID).data(t, "getArticle", &got)
	if fmt.Sprint(got) != fmt.Sprint(created) {
		t.Fatalf("getArticle = %+v, want %+v", got, created)
	}
	// An integer literal is a valid ID too; an absent article is null, not an error.
	resp := s.do(`{ getArticle(id: 999999) { id } }`)
	if len(resp.Errors) != 0 || string(resp.Data["getArticle"]) != "null" {
		t.Fatalf("getArticle(absent) = %s %+v, want null", resp.Data["getArticle"], resp.Errors)
	}
	var minimal article
	s.do(`mutation { createArticle(input: {title: "only a title"}) { `+articleFields+` } }`).data(t, "createArticle", &minimal)
	if minimal.Content != "" || minimal.Author != "" || minimal.Tags == nil || len(minimal.Tags) != 0 {
		t.Fatalf("createArticle with omitted fields = %+v", minimal)
	}
}

func testGetArticles(t *testing.T, s *stack) {
	author := fmt.Sprintf("lister-%d", time.Now().UnixNano())
	var ids []string
	for i := range 5 {
		tags := []string{"all"}
		if i%2 == 0 {
			tags = append(tags, "even")
		}
		ids = append(ids, s.create(fmt.Sprintf("L%d", i), author, tags...).ID)
	}
	tests := []struct {
		args string
		want []string
	}{
		{`author: "` + author + `"`, ids},
		{`author: "` + author + `", limit: 2`, ids[:2]},
		{`author: "` + author + `", limit: 2, offset: 3`, ids[3:]},
		{`author: "` + author + `", tag: "even"`, []string{ids[0], ids[2], ids[4]}},
		{`author: "` + author + `", tag: "none"`, nil},
		{`search: "` + strings.ToUpper(author) + `"`, ids},
		{`author: "` + author + `", search: "l3"`, ids[3:4]},
	}
	for _, tt := range tests {
		var got []article
		s.do(`{ getArticles(`+tt.args+`) { id } }`).data(t, "getArticles", &got)
		var gotIDs []string
		for _, a := range got {
			gotIDs = append(gotIDs, a.ID)
		}
		if fmt.Sprint(gotIDs) != fmt.Sprint(tt.want) {
			t.Errorf("getArticles(%s) = %v, want %v", tt.args, gotIDs, tt.want)
		}
	}
}

func testUpdate(t *testing.T, s *stack) {
	a := s.create("before", "ada")
	const update = `mutation($id: ID!, $in: ArticleInput!, $v: Int) { updateArticle(id: $id, input: $in, expectedVersion: $v) { ` + articleFields + ` } }`
	var up article
	s.do(update, "id", a.ID, "in", map[string]any{"title": "after", "tags": []string{"x"}}, "v", 1).data(t, "updateArticle", &up)
	if up.Version != 2 || up.Title != "after" || up.Author != "" || !up.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("updateArticle = %+v", up)
	}
	err := s.do(update, "id", a.ID, "in", map[string]any{"title": "stale"}, "v", 1).onlyError(t)
	if err.code() != graphqlapi.CodeConflict || fmt.Sprint(err.Path) != "[updateArticle]" {
		t.Fatalf("stale update error = %+v, want CONFLICT at updateArticle", err)
	}
	var free article
	s.do(update, "id", a.ID, "in", map[string]any{"title": "unconditional"}).data(t, "updateArticle", &free)
	if free.Version != 3 {
		t.Fatalf("update without expectedVersion = %+v", free)
	}
	if err := s.do(update, "id", "888888", "in", map[string]any{"title": "nobody"}).onlyError(t); err.code() != graphqlapi.CodeNotFound {
		t.Fatalf("update of a missing article = %+v, want NOT_FOUND", err)
	}
}

func testDelete(t *testing.T, s *stack) {
	a := s.create("doomed", "ada")
	const del = `mutation($id: ID!) { deleteArticle(id: $id) }`
	for _, want := range []string{"true", "false"} {
		resp := s.do(del, "id", a.ID)
		if len(resp.Errors) != 0 || string(resp.Data["deleteArticle"]) != want {
			t.Fatalf("deleteArticle = %s %+v, want %s", resp.Data["deleteArticle"], resp.Errors, want)
		}
	}
	if resp := s.do(`query($id: ID!) { getArticle(id: $id) { id } }`, "id", a.ID); string(resp.Data["getArticle"]) != "null" {
		t.Fatalf("getArticle after delete = %s", resp.Data["getArticle"])
	}
}

func testBadInput(t *testing.T, s *stack) {
	err := s.do(`mutation { createArticle(input: {title: " ", tags: ["a", "a"]}) { id } }`).onlyError(t)
	fields, _ := err.Extensions["fields"].([]any)
	if err.code() != graphqlapi.CodeBadUserInput || len(fields) != 2 {
		t.Fatalf("invalid article error = %+v, want BAD_USER_INPUT with two fields", err)
	}
	first, _ := fields[0].(map[string]any)
	if first["field"] != "title" || first["code"] != "required" {
		t.Fatalf("first field error = %v", first)
	}
	for _, q := range []string{
		`{ getArticle(id: "abc") { id } }`,
		`{ getArticle(id: "-1") { id } }`,
		`{ getArticle(id: "99999999999999999999") { id } }`,
		`{ getArticles(limit: 1001) { id } }`,
		`{ getArticles(limit: 0) { id } }`,
		`{ getArticles(offset: -1) { id } }`,
		`{ getArticles(author: "a\u0000b") { id } }`,
		`mutation { updateArticle(id: 1, input: {title: "x"}, expectedVersion: 0) { id } }`,
	} {
		if err := s.do(q).onlyError(t); err.code() != graphqlapi.CodeBadUserInput {
			t.Errorf("%s: error %+v, want BAD_USER_INPUT", q, err)
		}
	}
	for q, code := range map[string]string{
		`{ getArticle { id } }`:              "GRAPHQL_VALIDATION_FAILED",
		`{ nope }`:                           "GRAPHQL_VALIDATION_FAILED",
		`{ getArticles(limit: "x") { id } }`: "GRAPHQL_VALIDATION_FAILED",
		`{`:                                  "GRAPHQL_PARSE_FAILED",
	} {
		if err := s.do(q).onlyError(t); err.code() != code {
			t.Errorf("%s: error %+v, want %s", q, err, code)
		}
	}
}

func testSubscription(t *testing.T, s *stack) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	all := s.subscribe(ctx, `subscription { articleChanged { type id version article { title } } }`, nil)
	s.waitSubscribers(1)
	a := s.create("watched", "ada")
	only := s.subscribe(ctx, `subscription($id: ID) { articleChanged(id: $id) { type id version } }`, map[string]any{"id": a.ID})
	s.waitSubscribers(2)
	other := s.create("not watched", "ada")
	s.do(`mutation($id: ID!) { updateArticle(id: $id, input: {title: "watched 2"}) { id } }`, "id", a.ID)
	s.do(`mutation($id: ID!) { deleteArticle(id: $id) }`, "id", a.ID)

	event := func(sub *subscription) string {
		msg := sub.next(ctx)
		if msg["type"] != "next" || msg["id"] != "1" {
			t.Fatalf("subscription message %v, want next", msg)
		}
		payload, _ := msg["payload"].(map[string]any)
		data, _ := payload["data"].(map[string]any)
		c, _ := data["articleChanged"].(map[string]any)
		title := "-"
		if art, ok := c["article"].(map[string]any); ok {
			title = fmt.Sprint(art["title"])
		}
		return fmt.Sprintf("%v %v v%v %s", c["type"], c["id"], c["version"], title)
	}
	for _, want := range []string{
		"CREATED " + a.ID + " v1 watched",
		"CREATED " + other.ID + " v1 not watched",
		"UPDATED " + a.ID + " v2 watched 2",
		"DELETED " + a.ID + " v3 -",
	} {
		if got := event(all); got != want {
			t.Fatalf("all-articles subscriber got %q, want %q", got, want)
		}
	}
	for _, want := range []string{"UPDATED " + a.ID + " v2 -", "DELETED " + a.ID + " v3 -"} {
		if got := event(only); got != want {
			t.Fatalf("filtered subscriber got %q, want %q", got, want)
		}
	}
}

// Stopping the server ends its subscriptions rather than leaving them to
// outlive it.
func TestStopEndsSubscriptions(t *testing.T) {
	svc := articlesForTest(t)
	api, err := graphqlapi.New(graphqlapi.InProcess(svc), graphqlapi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(httpserver.Config{Addr: "127.0.0.1:0"}, api)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	s := &stack{t: t, gql: &httptest.Server{URL: "http://" + srv.Addr().String()}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub := s.subscribe(ctx, `subscription { articleChanged { id } }`, nil)
	waitFor(t, func() bool { return subscribers(t, svc) == 1 })

	stopCtx, stopCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer stopCancel()
	if err := srv.Stop(stopCtx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	waitFor(t, func() bool { return subscribers(t, svc) == 0 })
	var msg map[string]any
	if err := wsjson.Read(ctx, sub.conn, &msg); err == nil && msg["type"] != "complete" {
		t.Fatalf("after Stop the subscription got %v, want it closed", msg)
	}
}

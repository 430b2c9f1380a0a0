package restio

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/etl"
)

// Fields names the fields that hold an article's parts; empty names take
// the defaults (id, title, content, author, tags, version, created_at,
// updated_at). Only Title is required of a row.
type Fields struct {
	ID, Title, Content, Author, Tags, Version, CreatedAt, UpdatedAt string
}

func (f Fields) withDefaults() Fields {
	return Fields{ID: cmp.Or(f.ID, "id"), Title: cmp.Or(f.Title, "title"), Content: cmp.Or(f.Content, "content"),
		Author: cmp.Or(f.Author, "author"), Tags: cmp.Or(f.Tags, "tags"), Version: cmp.Or(f.Version, "version"),
		CreatedAt: cmp.Or(f.CreatedAt, "created_at"), UpdatedAt: cmp.Or(f.UpdatedAt, "updated_at")}
}

// ArticleSchema is the schema of the rows Articles emits.
var ArticleSchema = etl.MustSchema(
	etl.Field{Name: "id", Type: etl.Integer},
	etl.Field{Name: "title", Type: etl.String},
	etl.Field{Name: "content", Type: etl.String},
	etl.Field{Name: "author", Type: etl.String},
	etl.Field{Name: "tags", Type: etl.String},
	etl.Field{Name: "created_at", Type: etl.Time},
	etl.Field{Name: "updated_at", Type: etl.Time},
	etl.Field{Name: "version", Type: etl.Integer},
)

// binding finds an article's parts in rows of one schema; -1: absent.
type binding struct {
	id, title, content, author, tags, version, created, updated int
}

func bind(s *etl.Schema, f Fields) (binding, error) {
	f = f.withDefaults()
	at := func(name string) int {
		if i, ok := s.Index(name); ok {
			return i
		}
		return -1
	}
	b := binding{id: at(f.ID), title: at(f.Title), content: at(f.Content), author: at(f.Author), tags: at(f.Tags),
		version: at(f.Version), created: at(f.CreatedAt), updated: at(f.UpdatedAt)}
	if b.title < 0 {
		return b, fmt.Errorf("no title field %q in the input (it has %s)", f.Title, strings.Join(s.Names(), ", "))
	}
	return b, nil
}

// draft reads a row's article draft.
func (b binding) draft(r etl.Row) (articles.Draft, error) {
	text := func(i int) string {
		if i < 0 {
			return ""
		}
		return etl.Text(r[i], "")
	}
	d := articles.Draft{Title: text(b.title), Content: text(b.content), Author: text(b.author)}
	tags, err := parseTags(text(b.tags))
	if err != nil {
		return d, err
	}
	d.Tags = tags
	return d, nil
}

// parseTags reads tags written as a JSON array or as comma-separated text.
func parseTags(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return []string{}, nil
	case strings.HasPrefix(s, "["):
		var tags []string
		if err := json.Unmarshal([]byte(s), &tags); err != nil {
			return nil, fmt.Errorf("tags %q: not a JSON array of strings", clip(s))
		}
		return tags, nil
	}
	parts := strings.Split(s, ",")
	tags := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			tags = append(tags, p)
		}
	}
	return tags, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// article reads a row's whole article (for writing).
func (b binding) article(r etl.Row) (articles.Article, error) {
	d, err := b.draft(r)
	if err != nil {
		return articles.Article{}, err
	}
	a := articles.Article{Title: d.Title, Content: d.Content, Author: d.Author, Tags: d.Tags}
	for _, f := range []struct {
		i   int
		dst *int64
	}{{b.id, &a.ID}, {b.version, &a.Version}} {
		if f.i < 0 || r[f.i] == nil {
			continue
		}
		v, err := etl.Convert(r[f.i], etl.Integer, "")
		if err != nil {
			return a, err
		}
		*f.dst = v.(int64)
	}
	if b.created >= 0 && r[b.created] != nil {
		v, err := etl.Convert(r[b.created], etl.Time, "")
		if err != nil {
			return a, err
		}
		a.CreatedAt = v.(time.Time)
	}
	if b.updated >= 0 && r[b.updated] != nil {
		v, err := etl.Convert(r[b.updated], etl.Time, "")
		if err != nil {
			return a, err
		}
		a.UpdatedAt = v.(time.Time)
	}
	return a, nil
}

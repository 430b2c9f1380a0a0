package articles

import (
	"encoding/json"
	"fmt"
	"time"
)

// Article is a published article. ID and Version are assigned by the
// database that first stored it; Version starts at 1 and grows by one with
// every change, deletion included.
type Article struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Content   string    `json:"content"`
	Author    string    `json:"author"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// Draft holds the fields a client writes when creating or replacing an article.
type Draft struct {
	Title   string   `json:"title"`
	Content string   `json:"content"`
	Author  string   `json:"author"`
	Tags    []string `json:"tags"`
}

// Draft returns the writable fields of a.
func (a Article) Draft() Draft {
	return Draft{Title: a.Title, Content: a.Content, Author: a.Author, Tags: a.Tags}
}

// ChangeType says what a change did to an article.
type ChangeType string

// The change types, as they appear in outbox events.
const (
	Created ChangeType = "created"
	Updated ChangeType = "updated"
	Deleted ChangeType = "deleted"
)

// Valid reports whether t is one of the known change types.
func (t ChangeType) Valid() bool {
	return t == Created || t == Updated || t == Deleted
}

// Change is one version of one article, as replicated between databases.
// For Deleted, Article carries the id, the version of the deletion and its
// time in UpdatedAt; its other fields are empty.
type Change struct {
	Type    ChangeType `json:"type"`
	Article Article    `json:"article"`
}

// ApplyResult tells what Service.Apply did with a change.
type ApplyResult int

const (
	// Applied means the change was newer than the stored state and is now stored.
	Applied ApplyResult = iota + 1
	// Stale means the stored state already had this version or a newer one;
	// nothing was written.
	Stale
)

// String names the result: "applied" or "stale".
func (r ApplyResult) String() string {
	switch r {
	case Applied:
		return "applied"
	case Stale:
		return "stale"
	default:
		return fmt.Sprintf("ApplyResult(%d)", int(r))
	}
}

// ListQuery selects a page of live articles, in ascending id order.
type ListQuery struct {
	// Author, when set, keeps articles by exactly this author.
	Author string
	// Tag, when set, keeps articles carrying exactly this tag.
	Tag string
	// Search, when set, keeps articles whose title, content or author
	// contains it, ignoring the case of ASCII letters on every database
	// (PostgreSQL and MySQL fold other letters too). Its % and _ are
	// plain characters, not wildcards. It reads every live article: a
	// filter for people looking for something, not for bulk reads.
	Search string
	// Limit is the page size: 1 to MaxPageSize. Zero means DefaultPageSize.
	Limit int
	// Offset skips this many matching articles.
	Offset int
	// AfterID keeps articles whose id is greater (keyset pagination: pass
	// the last id of the previous page).
	AfterID int64
	// SkipTotal skips counting the matching articles, which costs a scan
	// of them; Page.Total is then -1.
	SkipTotal bool
}

// Validate reports out-of-range fields, and filters no article could match
// (too long, control characters, invalid UTF-8), as a *ValidationError.
func (q ListQuery) Validate() error {
	var v validator
	if q.Limit < 0 || q.Limit > MaxPageSize {
		v.add("limit", "out_of_range", "must be between 1 and %d", MaxPageSize)
	}
	if q.Offset < 0 {
		v.add("offset", "out_of_range", "must not be negative")
	}
	if q.AfterID < 0 {
		v.add("after_id", "out_of_range", "must not be negative")
	}
	// The filters follow the rules of the fields they match: a value no
	// article can have is a mistake worth reporting.
	v.line("author", q.Author, q.Author, MaxAuthorLen)
	v.line("tag", q.Tag, q.Tag, MaxTagLen)
	v.line("search", q.Search, q.Search, MaxSearchLen)
	return v.err()
}

// MaxID is the largest id a client may choose for a new article (Put), and
// the largest id and version a replicated change may carry (Apply). It is
// the largest integer JavaScript represents exactly, and it keeps the rest
// of the int64 range for the database's own id sequence, which a client
// could otherwise exhaust with one request for id 2^63-1.
const MaxID = 1<<53 - 1

// MaxSearchLen is the longest ListQuery.Search, in characters: a title's.
const MaxSearchLen = MaxTitleLen

// Page sizes for List.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Page is one page of a list.
type Page struct {
	// Articles on this page.
	Articles []Article
	// Total counts every article that matches the filters, on any page;
	// -1 when the query skipped counting.
	Total int64
	// More reports whether articles follow this page.
	More bool
}

// Precondition makes a write conditional on the stored state, for
// optimistic concurrency. The zero value imposes nothing.
type Precondition struct {
	// Version, when non-zero, requires the stored version to equal it.
	Version int64
	// MustExist requires a live article (HTTP If-Match: *).
	MustExist bool
	// MustNotExist requires that no live article has the id (If-None-Match: *).
	MustNotExist bool
}

// Event is a change recorded in the transactional outbox, in the same
// transaction as the change itself.
type Event struct {
	// Seq orders events: it grows with every event written.
	Seq int64
	// ID identifies the event uniquely (a UUIDv7).
	ID string
	// ArticleID and Version identify the article state the event carries.
	ArticleID int64
	Version   int64
	// Type is what happened.
	Type ChangeType
	// Payload is the JSON-encoded Article at Version.
	Payload json.RawMessage
	// CreatedAt is when the change happened.
	CreatedAt time.Time
}

// Change decodes the event into the change it records.
func (e Event) Change() (Change, error) {
	var a Article
	if err := json.Unmarshal(e.Payload, &a); err != nil {
		return Change{}, fmt.Errorf("articles: event %s: decode payload: %w", e.ID, err)
	}
	return Change{Type: e.Type, Article: a}, nil
}

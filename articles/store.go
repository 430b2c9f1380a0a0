package articles

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles/sqldb"
)

// Store keeps articles, their tags and the transactional outbox in a SQL
// database. Use it through a Service; a Store only persists.
type Store struct {
	db     *sqldb.DB
	log    *zap.Logger
	keyTTL time.Duration // how long an idempotency key is remembered
	// batch groups concurrent writes into shared transactions on SQLite;
	// nil on servers, where concurrent transactions are the better deal.
	batch *batcher

	prepared sync.Mutex
	getByID  *sql.Stmt
	// inserts is Create's prepared fast path on SQLite, set by Migrate.
	inserts atomic.Pointer[sqliteInserts]
}

// OpenStore opens the database cfg names. Connections are made lazily; call
// Migrate before first use.
func OpenStore(cfg Config, opts ...Option) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	db, err := sqldb.Open(cfg.DatabaseURL, sqldb.Options{MaxOpenConns: cfg.MaxOpenConns})
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	s := &Store{db: db, log: optionsOf(opts).log.Named("articles"), keyTTL: cfg.IdempotencyKeyTTL}
	if db.Dialect == sqldb.SQLite {
		s.batch = newBatcher(db.Write, maxBatch)
	}
	return s, nil
}

// Migrate creates or upgrades the schema. It is safe to call repeatedly and
// from several processes at once.
func (s *Store) Migrate(ctx context.Context) error {
	applied, err := migrateSchema(ctx, s.db)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		s.log.Info("schema migrated", zap.Stringer("database", s.db), zap.Strings("migrations", applied))
	}
	if s.db.Dialect == sqldb.SQLite && s.inserts.Load() == nil {
		inserts, err := prepareSQLiteInserts(ctx, s.db.Write.DB)
		if err != nil {
			return fmt.Errorf("articles: prepare inserts: %w", err)
		}
		if !s.inserts.CompareAndSwap(nil, inserts) {
			_ = inserts.close()
		}
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// maxBatch caps the writes committed together on SQLite.
const maxBatch = 64

// Close stops the store's writer and closes the database.
func (s *Store) Close() error {
	if s.batch != nil {
		s.batch.close()
	}
	s.prepared.Lock()
	if s.getByID != nil {
		_ = s.getByID.Close()
	}
	s.prepared.Unlock()
	if inserts := s.inserts.Swap(nil); inserts != nil {
		_ = inserts.close()
	}
	return s.db.Close()
}

// DB returns the underlying database, for tools that share it.
func (s *Store) DB() *sqldb.DB { return s.db }

// Outbox returns the store's transactional outbox.
func (s *Store) Outbox() *Outbox { return &Outbox{db: s.db} }

// articleRow is the articles table. Tombstones keep id, version and
// timestamps, with the text fields cleared.
type articleRow struct {
	bun.BaseModel `bun:"table:articles,alias:a"`

	ID        int64        `bun:"id,pk,autoincrement"`
	Title     string       `bun:"title"`
	Content   string       `bun:"content"`
	Author    string       `bun:"author"`
	Tags      string       `bun:"tags"` // JSON array, in the order sent
	CreatedAt time.Time    `bun:"created_at"`
	UpdatedAt time.Time    `bun:"updated_at"`
	DeletedAt bun.NullTime `bun:"deleted_at"`
	Version   int64        `bun:"version"`
}

type tagRow struct {
	bun.BaseModel `bun:"table:article_tags"`

	ArticleID int64  `bun:"article_id,pk"`
	Tag       string `bun:"tag,pk"`
}

func (r *articleRow) live() bool { return r.DeletedAt.IsZero() }

func (r *articleRow) article() (Article, error) {
	a := Article{
		ID:        r.ID,
		Title:     r.Title,
		Content:   r.Content,
		Author:    r.Author,
		CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(),
		Version:   r.Version,
	}
	if err := json.Unmarshal([]byte(r.Tags), &a.Tags); err != nil {
		return Article{}, fmt.Errorf("articles: article %d: decode tags: %w", r.ID, err)
	}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	return a, nil
}

// set copies a's fields into r.
func (r *articleRow) set(a Article) {
	tags := a.Tags
	if tags == nil {
		tags = []string{}
	}
	encoded, _ := json.Marshal(tags) // []string always encodes
	*r = articleRow{
		ID:        a.ID,
		Title:     a.Title,
		Content:   a.Content,
		Author:    a.Author,
		Tags:      string(encoded),
		CreatedAt: a.CreatedAt,
		UpdatedAt: a.UpdatedAt,
		Version:   a.Version,
	}
}

// tombstone turns r into the tombstone of a deletion at version, at time t.
func (r *articleRow) tombstone(version int64, t time.Time) {
	r.Title, r.Content, r.Author, r.Tags = "", "", "", "[]"
	r.UpdatedAt = t
	r.DeletedAt = bun.NullTime{Time: t}
	r.Version = version
}

// getSQL reads one live article. It is the API's most frequent query, so it
// runs as a prepared statement (see Store.getStmt) rather than as a bun
// query, which would be formatted and parsed anew on every call.
const getSQL = `SELECT id, title, content, author, tags, created_at, updated_at, deleted_at, version
	FROM articles WHERE id = ? AND deleted_at IS NULL`

func (s *Store) get(ctx context.Context, id int64) (Article, error) {
	stmt, err := s.getStmt(ctx)
	if err != nil {
		return Article{}, s.dbError("get", err)
	}
	rows, err := stmt.QueryContext(ctx, id)
	if err != nil {
		return Article{}, s.dbError("get", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Article{}, s.dbError("get", err)
		}
		return Article{}, ErrNotFound
	}
	var row articleRow
	if err := s.db.Read.ScanRow(ctx, rows, &row); err != nil {
		return Article{}, s.dbError("get", err)
	}
	return row.article()
}

// getStmt prepares getSQL once; database/sql then prepares it on each pool
// connection at first use and keeps it.
func (s *Store) getStmt(ctx context.Context) (*sql.Stmt, error) {
	s.prepared.Lock()
	defer s.prepared.Unlock()
	if s.getByID != nil {
		return s.getByID, nil
	}
	query := getSQL
	if s.db.Dialect == sqldb.Postgres {
		query = strings.Replace(query, "?", "$1", 1)
	}
	stmt, err := s.db.Read.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.getByID = stmt
	return stmt, nil
}

// likeEscaper makes a search text a literal LIKE pattern, escaped with !:
// every database takes ESCAPE '!' alike, where a backslash means
// something else to MySQL's string literals.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

func (s *Store) list(ctx context.Context, q ListQuery) (Page, error) {
	filter := func(sq *bun.SelectQuery) *bun.SelectQuery {
		sq = sq.Where("a.deleted_at IS NULL")
		if q.Author != "" {
			sq = sq.Where("a.author = ?", q.Author)
		}
		if q.Tag != "" {
			sq = sq.Where("EXISTS (SELECT 1 FROM article_tags AS t WHERE t.article_id = a.id AND t.tag = ?)", q.Tag)
		}
		if q.Search != "" {
			pattern := "%" + likeEscaper.Replace(strings.ToLower(q.Search)) + "%"
			sq = sq.Where("(LOWER(a.title) LIKE ? ESCAPE '!' OR LOWER(a.content) LIKE ? ESCAPE '!' OR LOWER(a.author) LIKE ? ESCAPE '!')",
				pattern, pattern, pattern)
		}
		return sq
	}
	var rows []articleRow
	// One extra row tells whether another page follows.
	sel := s.db.Read.NewSelect().Model(&rows).Apply(filter).
		OrderExpr("a.id ASC").Limit(int64(q.Limit) + 1).Offset(int64(q.Offset))
	if q.AfterID > 0 {
		sel = sel.Where("a.id > ?", q.AfterID)
	}
	if err := sel.Scan(ctx); err != nil {
		return Page{}, s.dbError("list", err)
	}
	total := int64(-1)
	if !q.SkipTotal {
		n, err := s.db.Read.NewSelect().Model((*articleRow)(nil)).Apply(filter).Count(ctx)
		if err != nil {
			return Page{}, s.dbError("count", err)
		}
		total = n
	}
	page := Page{Articles: make([]Article, 0, min(len(rows), q.Limit)), Total: total}
	if len(rows) > q.Limit {
		page.More = true
		rows = rows[:q.Limit]
	}
	for i := range rows {
		a, err := rows[i].article()
		if err != nil {
			return Page{}, err
		}
		page.Articles = append(page.Articles, a)
	}
	return page, nil
}

// write runs fn in a transaction, retrying on transient conflicts between
// concurrent transactions (deadlocks, serialization failures, and two
// writers inserting the same new id).
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	const attempts = 4
	for attempt := 1; ; attempt++ {
		var err error
		if s.batch != nil {
			err = s.batch.write(ctx, fn)
		} else {
			err = s.db.Write.RunInTx(ctx, nil, fn)
		}
		if err == nil || attempt == attempts || !(sqldb.IsRetryable(err) || sqldb.IsUniqueViolation(err)) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * time.Millisecond):
		}
	}
}

// lock reads the row for id — tombstones included — and locks it until the
// transaction ends. found is false when no row exists.
func (s *Store) lock(ctx context.Context, tx bun.Tx, id int64) (row articleRow, found bool, err error) {
	q := tx.NewSelect().Model(&row).Where("a.id = ?", id)
	if s.db.Dialect != sqldb.SQLite {
		// SQLite has no row locks; its IMMEDIATE transactions already
		// exclude other writers.
		q = q.For("UPDATE")
	}
	switch err := q.Scan(ctx); {
	case errors.Is(err, sql.ErrNoRows):
		return articleRow{}, false, nil
	case err != nil:
		return articleRow{}, false, err
	}
	return row, true, nil
}

func (s *Store) create(ctx context.Context, d Draft, now time.Time) (a Article, err error) {
	err = s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, err = s.createIn(ctx, tx, d, now)
		return err
	})
	if err != nil {
		return Article{}, s.dbError("create", err)
	}
	return normalized(a), nil
}

// createIn inserts a new article from d, its tags and its Created event in
// tx.
func (s *Store) createIn(ctx context.Context, tx bun.Tx, d Draft, now time.Time) (Article, error) {
	a := Article{Title: d.Title, Content: d.Content, Author: d.Author, Tags: d.Tags,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if inserts := s.inserts.Load(); inserts != nil {
		return a, inserts.create(ctx, tx.Tx, &a)
	}
	id, err := s.freeID(ctx, tx)
	if err != nil {
		return Article{}, err
	}
	a.ID = id
	var row articleRow
	row.set(a)
	if err := s.insertRow(ctx, tx, &row); err != nil {
		return Article{}, err
	}
	if err := s.insertTags(ctx, tx, a.ID, a.Tags); err != nil {
		return Article{}, err
	}
	return a, s.record(ctx, tx, Created, a)
}

// save replaces article id with d. With createIfAbsent it creates the
// article under id when no live article has it; otherwise that is
// ErrNotFound.
func (s *Store) save(ctx context.Context, id int64, d Draft, pre Precondition, createIfAbsent bool, now time.Time) (a Article, created bool, err error) {
	err = s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, found, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		live := found && cur.live()
		if !live && !createIfAbsent {
			return ErrNotFound
		}
		if err := pre.check(live, cur.Version); err != nil {
			return err
		}
		if !found && id > MaxID {
			return &ValidationError{Fields: []FieldError{{Field: "id", Code: "out_of_range",
				Message: fmt.Sprintf("must be at most %d for a new article", MaxID)}}}
		}
		version, err := nextVersion(cur.Version)
		if err != nil {
			return err
		}
		a = Article{ID: id, Title: d.Title, Content: d.Content, Author: d.Author, Tags: d.Tags,
			CreatedAt: now, UpdatedAt: now, Version: version}
		created = !live
		if live {
			a.CreatedAt = cur.CreatedAt
		}
		if err := s.upsert(ctx, tx, a, found); err != nil {
			return err
		}
		kind := Updated
		if created {
			kind = Created
		}
		return s.record(ctx, tx, kind, a)
	})
	if err != nil {
		return Article{}, false, s.dbError("save", err)
	}
	return normalized(a), created, nil
}

func (s *Store) delete(ctx context.Context, id int64, pre Precondition, now time.Time) (tomb Article, err error) {
	err = s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, found, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if !found || !cur.live() {
			return ErrNotFound
		}
		if err := pre.check(true, cur.Version); err != nil {
			return err
		}
		version, err := nextVersion(cur.Version)
		if err != nil {
			return err
		}
		cur.tombstone(version, now)
		if err := s.updateRow(ctx, tx, &cur); err != nil {
			return err
		}
		if tomb, err = cur.article(); err != nil {
			return err
		}
		return s.record(ctx, tx, Deleted, tomb)
	})
	if err != nil {
		return Article{}, s.dbError("delete", err)
	}
	return tomb, nil
}

// apply stores, in one transaction and in order, each change that is newer
// than the stored state of its article. It writes no outbox event: a
// replicated change is not a new change.
func (s *Store) apply(ctx context.Context, changes []Change, now time.Time) ([]ApplyResult, error) {
	results := make([]ApplyResult, len(changes))
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		fast := s.inserts.Load()
		for i, ch := range changes {
			var r ApplyResult
			var err error
			if fast != nil {
				r, err = fast.apply(ctx, tx.Tx, ch)
			} else {
				r, err = s.applyOne(ctx, tx, ch, now)
			}
			if err != nil {
				return &ChangeError{Index: i, Err: err}
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, s.dbError("apply", err)
	}
	return results, nil
}

func (s *Store) applyOne(ctx context.Context, tx bun.Tx, ch Change, now time.Time) (ApplyResult, error) {
	a := ch.Article
	cur, found, err := s.lock(ctx, tx, a.ID)
	if err != nil {
		return 0, err
	}
	if found && cur.Version >= a.Version {
		return Stale, nil
	}
	if ch.Type != Deleted {
		return Applied, s.upsert(ctx, tx, a, found)
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = now
	}
	var row articleRow
	if found {
		row = cur
	} else {
		row.set(Article{ID: a.ID, CreatedAt: a.UpdatedAt})
	}
	row.tombstone(a.Version, a.UpdatedAt)
	if found {
		return Applied, s.updateRow(ctx, tx, &row)
	}
	return Applied, s.insertRow(ctx, tx, &row)
}

// snapshot returns the current state of up to limit articles with ids
// above afterID, tombstones included, as changes.
func (s *Store) snapshot(ctx context.Context, afterID int64, limit int) ([]Change, error) {
	var rows []articleRow
	err := s.db.Read.NewSelect().Model(&rows).
		Where("a.id > ?", afterID).
		OrderExpr("a.id ASC").
		Limit(int64(limit)).
		Scan(ctx)
	if err != nil {
		return nil, s.dbError("snapshot", err)
	}
	changes := make([]Change, len(rows))
	for i := range rows {
		a, err := rows[i].article()
		if err != nil {
			return nil, err
		}
		kind := Updated
		switch {
		case !rows[i].live():
			kind = Deleted
		case a.Version == 1:
			kind = Created
		}
		changes[i] = Change{Type: kind, Article: a}
	}
	return changes, nil
}

// upsert writes a as the live state of its id: an update of the existing row
// (live or tombstone) when exists, an insert otherwise.
func (s *Store) upsert(ctx context.Context, tx bun.Tx, a Article, exists bool) error {
	var row articleRow
	row.set(a)
	if exists {
		if err := s.updateRow(ctx, tx, &row); err != nil {
			return err
		}
	} else if err := s.insertRow(ctx, tx, &row); err != nil {
		return err
	}
	return s.insertTags(ctx, tx, a.ID, a.Tags)
}

func (s *Store) updateRow(ctx context.Context, tx bun.Tx, row *articleRow) error {
	if _, err := tx.NewUpdate().Model(row).WherePK().Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewDelete().Model((*tagRow)(nil)).Where("article_id = ?", row.ID).Exec(ctx)
	return err
}

// insertRow inserts a row whose id was chosen by the caller.
func (s *Store) insertRow(ctx context.Context, tx bun.Tx, row *articleRow) error {
	_, err := tx.NewInsert().Model(row).Value("id", "?", row.ID).Exec(ctx)
	return err
}

// allocateID takes the next id of the allocator (migration
// 20261126000003), which explicit ids never move.
func (s *Store) allocateID(ctx context.Context, tx bun.Tx) (int64, error) {
	var id int64
	switch s.db.Dialect {
	case sqldb.Postgres:
		err := tx.QueryRowContext(ctx, "SELECT nextval('article_ids')").Scan(&id)
		return id, err
	case sqldb.MySQL:
		res, err := tx.ExecContext(ctx, "INSERT INTO article_ids () VALUES ()")
		if err != nil {
			return 0, err
		}
		if id, err = res.LastInsertId(); err != nil {
			return 0, err
		}
	default:
		if err := tx.QueryRowContext(ctx, "INSERT INTO article_ids DEFAULT VALUES RETURNING id").Scan(&id); err != nil {
			return 0, err
		}
	}
	// Only the counter matters; the rows need not stay.
	_, err := tx.ExecContext(ctx, "DELETE FROM article_ids WHERE id < ?", id)
	return id, err
}

// freeID allocates ids until one that no article has: a client may have
// chosen the next one already.
func (s *Store) freeID(ctx context.Context, tx bun.Tx) (int64, error) {
	for {
		id, err := s.allocateID(ctx, tx)
		if err != nil {
			return 0, err
		}
		taken, err := tx.NewSelect().Model((*articleRow)(nil)).Where("a.id = ?", id).Exists(ctx)
		if err != nil || !taken {
			return id, err
		}
	}
}

func (s *Store) insertTags(ctx context.Context, tx bun.Tx, id int64, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	rows := make([]tagRow, len(tags))
	for i, tag := range tags {
		rows[i] = tagRow{ArticleID: id, Tag: tag}
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// record writes the outbox event for a change, in the change's transaction.
func (s *Store) record(ctx context.Context, tx bun.Tx, kind ChangeType, a Article) error {
	ev, err := newEvent(kind, a)
	if err != nil {
		return err
	}
	_, err = tx.NewInsert().Model(&ev).Exec(ctx)
	return err
}

// newEvent builds the outbox row of a change to a.
func newEvent(kind ChangeType, a Article) (eventRow, error) {
	payload, err := json.Marshal(normalized(a))
	if err != nil {
		return eventRow{}, fmt.Errorf("encode event: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return eventRow{}, fmt.Errorf("event id: %w", err)
	}
	return eventRow{
		EventID:   id.String(),
		ArticleID: a.ID,
		Type:      string(kind),
		Version:   a.Version,
		Payload:   string(payload),
		CreatedAt: a.UpdatedAt,
	}, nil
}

// errLastVersion reports a change to an article at version MaxID, which
// replication may have stored: a version past it would be refused by every
// replica.
var errLastVersion = fmt.Errorf("%w: the article is at its last version, %d", ErrConflict, MaxID)

// nextVersion is the version after v.
func nextVersion(v int64) (int64, error) {
	if v >= MaxID {
		return 0, errLastVersion
	}
	return v + 1, nil
}

// dbError passes domain errors through and marks connectivity failures as
// ErrUnavailable; anything else is wrapped with the operation.
func (s *Store) dbError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict):
		return err
	case errors.As(err, new(*ValidationError)):
		return err
	case sqldb.IsUnavailable(err), sqldb.IsRetryable(err):
		// A conflict between transactions that outlasted the retries is
		// a busy store: worth trying again later, as an unreachable one.
		return fmt.Errorf("articles: %s: %w: %w", op, ErrUnavailable, err)
	case sqldb.IsUniqueViolation(err):
		// Still colliding after the retries: another writer keeps winning.
		return fmt.Errorf("articles: %s: %w: %w", op, ErrConflict, err)
	default:
		return fmt.Errorf("articles: %s: %w", op, err)
	}
}

// check reports ErrConflict unless the stored state (live, at version)
// satisfies p.
func (p Precondition) check(live bool, version int64) error {
	switch {
	case p.MustExist && !live,
		p.MustNotExist && live,
		p.Version != 0 && (!live || version != p.Version):
		return ErrConflict
	}
	return nil
}

// normalized returns a with a non-nil tag list, so it encodes as [].
func normalized(a Article) Article {
	if a.Tags == nil {
		a.Tags = []string{}
	}
	return a
}

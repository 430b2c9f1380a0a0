package articles

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Service is the article API: it validates, applies the versioning rules
// and stores each change together with its outbox event.
type Service struct {
	store *Store
	log   *zap.Logger
	now   func() time.Time

	changes *prometheus.CounterVec
	applies *prometheus.CounterVec
	hub     hub
}

// Option configures OpenStore and NewService.
type Option func(*options)

type options struct {
	log *zap.Logger
	now func() time.Time
}

func optionsOf(opts []Option) options {
	o := options{log: zap.NewNop(), now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithLogger sets the logger. Default: no logging.
func WithLogger(log *zap.Logger) Option {
	return func(o *options) {
		if log != nil {
			o.log = log
		}
	}
}

// WithClock sets the source of the current time of a Service. Default:
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// NewService returns a Service over store.
func NewService(store *Store, opts ...Option) *Service {
	o := optionsOf(opts)
	s := &Service{
		store: store,
		log:   o.log.Named("articles"),
		now:   o.now,
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "articles_changes_total",
			Help: "Article changes committed, by type (created, updated, deleted).",
		}, []string{"type"}),
		applies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "articles_replicated_changes_total",
			Help: "Replicated changes given to Apply, by result (applied, stale).",
		}, []string{"result"}),
	}
	for _, t := range []ChangeType{Created, Updated, Deleted} {
		s.changes.WithLabelValues(string(t))
	}
	for _, r := range []ApplyResult{Applied, Stale} {
		s.applies.WithLabelValues(r.String())
	}
	return s
}

// Ping checks that the database answers; ErrUnavailable when it does not.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// Validate checks a draft without storing anything; see the package function Validate.
func (s *Service) Validate(d Draft) error { return Validate(d) }

// Create stores a new article and returns it with its id and version 1.
func (s *Service) Create(ctx context.Context, d Draft) (Article, error) {
	if err := Validate(d); err != nil {
		return Article{}, err
	}
	a, err := s.store.create(ctx, d, s.clock())
	if err != nil {
		return Article{}, err
	}
	s.committed(Change{Type: Created, Article: a})
	return a, nil
}

// Get returns the live article with the given id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (Article, error) {
	return s.store.get(ctx, id)
}

// List returns a page of live articles in ascending id order.
func (s *Service) List(ctx context.Context, q ListQuery) (Page, error) {
	if err := q.Validate(); err != nil {
		return Page{}, err
	}
	if q.Limit == 0 {
		q.Limit = DefaultPageSize
	}
	return s.store.list(ctx, q)
}

// Update replaces the live article id with d. It returns ErrNotFound when
// there is none, and ErrConflict when expectedVersion is non-zero and
// differs from the stored version.
func (s *Service) Update(ctx context.Context, id int64, d Draft, expectedVersion int64) (Article, error) {
	a, _, err := s.save(ctx, id, d, Precondition{Version: expectedVersion}, false)
	return a, err
}

// Put replaces article id with d, or creates it under that id when no live
// article has it (created reports which). A deleted id comes back to life
// with the version after its deletion. Unmet preconditions give ErrConflict;
// creating an id above MaxID gives a *ValidationError.
func (s *Service) Put(ctx context.Context, id int64, d Draft, pre Precondition) (a Article, created bool, err error) {
	return s.save(ctx, id, d, pre, true)
}

func (s *Service) save(ctx context.Context, id int64, d Draft, pre Precondition, createIfAbsent bool) (Article, bool, error) {
	if id <= 0 {
		return Article{}, false, ErrNotFound
	}
	if err := Validate(d); err != nil {
		return Article{}, false, err
	}
	a, created, err := s.store.save(ctx, id, d, pre, createIfAbsent, s.clock())
	if err != nil {
		return Article{}, false, err
	}
	kind := Updated
	if created {
		kind = Created
	}
	s.committed(Change{Type: kind, Article: a})
	return a, created, nil
}

// Delete deletes the live article id, keeping a tombstone so that no older
// replicated change can bring it back. It returns ErrNotFound when there is
// none, and ErrConflict when expectedVersion is non-zero and differs from
// the stored version.
func (s *Service) Delete(ctx context.Context, id int64, expectedVersion int64) error {
	if id <= 0 {
		return ErrNotFound
	}
	tomb, err := s.store.delete(ctx, id, Precondition{Version: expectedVersion}, s.clock())
	if err != nil {
		return err
	}
	s.committed(Change{Type: Deleted, Article: tomb})
	return nil
}

// Apply stores a replicated change if, and only if, its version is newer
// than the stored state of the article, tombstones included. It is
// idempotent: applying a change twice, or an older one after it, reports
// Stale and writes nothing. Apply writes no outbox event.
func (s *Service) Apply(ctx context.Context, ch Change) (ApplyResult, error) {
	results, err := s.ApplyBatch(ctx, []Change{ch})
	if err != nil {
		if cerr, ok := errors.AsType[*ChangeError](err); ok {
			return 0, cerr.Err
		}
		return 0, err
	}
	return results[0], nil
}

// ApplyBatch applies changes in order, as Apply would one by one, but in one
// transaction: all or nothing. When a change is invalid or fails, nothing
// is stored and the error is a *ChangeError naming it (wrapping, for an
// invalid one, a *ValidationError).
func (s *Service) ApplyBatch(ctx context.Context, changes []Change) ([]ApplyResult, error) {
	now := s.clock()
	prepared := make([]Change, len(changes))
	for i, ch := range changes {
		if err := validateChange(ch); err != nil {
			return nil, &ChangeError{Index: i, Err: err}
		}
		a := &ch.Article
		for _, t := range []*time.Time{&a.CreatedAt, &a.UpdatedAt} {
			if t.IsZero() {
				*t = now
			}
			*t = t.UTC().Truncate(time.Microsecond)
		}
		prepared[i] = ch
	}
	results, err := s.store.apply(ctx, prepared, now)
	if err != nil {
		return nil, err
	}
	for i, r := range results {
		s.applies.WithLabelValues(r.String()).Inc()
		if r == Applied {
			s.hub.publish(published(prepared[i]))
		}
	}
	return results, nil
}

// published is how an applied change reaches subscribers: as stored.
func published(ch Change) Change {
	if ch.Type == Deleted {
		// What a tombstone keeps (see articleRow.tombstone).
		a := ch.Article
		ch.Article = Article{ID: a.ID, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Version: a.Version}
	}
	ch.Article = normalized(ch.Article)
	return ch
}

// Snapshot returns the current state of up to limit articles with ids
// above afterID, in id order and tombstones included, as changes: what a
// new replica needs to catch up (see kafkasync's backfill).
func (s *Service) Snapshot(ctx context.Context, afterID int64, limit int) ([]Change, error) {
	return s.store.snapshot(ctx, afterID, limit)
}

// committed counts a change made through the service and tells subscribers.
func (s *Service) committed(c Change) {
	s.changes.WithLabelValues(string(c.Type)).Inc()
	s.hub.publish(c)
}

// Changes subscribes to the changes committed through this Service —
// creates, updates, deletes and applied replicated changes — from now on,
// each article's in increasing version order (a change overtaken by a newer
// one of the same article is skipped). The channel closes when ctx ends, or when
// the subscriber falls ChangeBuffer changes behind (it may then subscribe
// again). Changes made by other processes are not seen here; they reach
// other processes through the outbox. The error is always nil: it is there
// so that remote feeds (the REST client's) share the signature.
func (s *Service) Changes(ctx context.Context) (<-chan Change, error) {
	return s.hub.subscribe(ctx), nil
}

func validateChange(ch Change) error {
	var v validator
	if !ch.Type.Valid() {
		v.add("type", "invalid", "must be created, updated or deleted")
	}
	// Ids and versions above MaxID are refused as they are from clients: a
	// replica storing id 2^63-1 could create nothing more, and a version
	// that high could not grow.
	if ch.Article.ID <= 0 || ch.Article.ID > MaxID {
		v.add("id", "out_of_range", "must be between 1 and %d", MaxID)
	}
	if ch.Article.Version <= 0 || ch.Article.Version > MaxID {
		v.add("version", "out_of_range", "must be between 1 and %d", MaxID)
	}
	if ch.Type != Deleted {
		if err, ok := Validate(ch.Article.Draft()).(*ValidationError); ok {
			v.fields = append(v.fields, err.Fields...)
		}
	}
	return v.err()
}

// clock returns the current time as stored: UTC, to the microsecond (the
// finest precision every supported database keeps).
func (s *Service) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// Package articles is ArticleKit's core: the Article, its validation, and a
// Service that stores articles in SQLite, PostgreSQL or MySQL/MariaDB with
// versioning, tombstones and a transactional outbox.
//
// Every change bumps the article's Version; a deletion keeps a tombstone
// (id, version, time) so that an older replicated change can never bring
// the article back. Every create, update and delete writes an Event to the
// outbox in the same transaction, for a relay to publish. Apply stores
// replicated changes idempotently: only a newer version is written.
//
// Without fx:
//
//	store, err := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://articles.db"}, articles.WithLogger(log))
//	if err != nil { … }
//	defer store.Close()
//	if err := store.Migrate(ctx); err != nil { … }
//	svc := articles.NewService(store, articles.WithLogger(log))
//	a, err := svc.Create(ctx, articles.Draft{Title: "Hello"})
//
// With fx, supply a Config and include Module (and metrics.Module for the
// service's metrics).
//
// Errors: ErrNotFound, ErrConflict (a precondition failed), ErrUnavailable
// (the database is unreachable) and *ValidationError (with every invalid
// field) are for callers to test with errors.Is and errors.As.
package articles

package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
)

// WithLock runs fn while holding a lock named name that excludes every other
// WithLock on the same database, in this process or another. It is meant for
// schema migrations: fn gets the pool it must use for its statements.
//
// PostgreSQL uses a session advisory lock and MySQL GET_LOCK, both released
// by the server if the process dies. SQLite runs fn inside one IMMEDIATE
// transaction on a dedicated connection, so fn's statements are atomic too.
func (db *DB) WithLock(ctx context.Context, name string, fn func(ctx context.Context, db *bun.DB) error) error {
	switch {
	case db.Dialect == Postgres:
		key := lockKey(name)
		return db.withSessionLock(ctx, fn, func(ctx context.Context, conn *sql.Conn) error {
			_, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key)
			return err
		}, "SELECT pg_advisory_unlock($1)", key)
	case db.Dialect == MySQL:
		return db.withSessionLock(ctx, fn, func(ctx context.Context, conn *sql.Conn) error {
			// GET_LOCK returns 1 once it holds the lock, 0 when it times out.
			var held sql.NullInt64
			if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", name).Scan(&held); err != nil {
				return err
			}
			if held.Int64 != 1 {
				return errors.New("timed out waiting for another process")
			}
			return nil
		}, "SELECT RELEASE_LOCK(?)", name)
	case db.sqlitePath != "":
		return db.withSQLiteLock(ctx, fn)
	default:
		// In-memory SQLite: no other connection can see the database.
		return fn(ctx, db.Write)
	}
}

// withSessionLock holds a lock tied to one server session (connection) while
// fn runs on the pool; the server drops the lock if the session dies.
func (db *DB) withSessionLock(ctx context.Context, fn func(context.Context, *bun.DB) error,
	lock func(context.Context, *sql.Conn) error, unlock string, key any) error {
	conn, err := db.Write.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: lock: %w", err)
	}
	defer conn.Close()
	if err := lock(ctx, conn); err != nil {
		return fmt.Errorf("sqldb: take lock: %w", err)
	}
	defer func() {
		// The context may be done by now; releasing must still happen. A
		// connection that failed to release goes, rather than back to the
		// pool still holding the lock.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), unlock, key); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn(ctx, db.Write)
}

func (db *DB) withSQLiteLock(ctx context.Context, fn func(context.Context, *bun.DB) error) error {
	// A pool of exactly one connection: every statement fn runs lands on the
	// connection holding the transaction opened below.
	pool, err := openSQLitePool(sqliteDSN(db.sqlitePath, db.busyTimeout, false), 1)
	if err != nil {
		return err
	}
	defer pool.Close()
	// BEGIN IMMEDIATE waits out other writers through the busy timeout, but
	// not every race: two connections switching a new database to WAL mode
	// at once fail fast with SQLITE_BUSY. Those are retried here.
	deadline := time.Now().Add(db.busyTimeout)
	for {
		_, err := pool.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err == nil {
			break
		}
		if !IsRetryable(err) || time.Now().After(deadline) {
			return fmt.Errorf("sqldb: lock %s: %w", db.redacted, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sqldb: lock %s: %w", db.redacted, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := fn(ctx, bun.NewDB(pool.DB, sqlitedialect.New())); err != nil {
		_, _ = pool.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if _, err := pool.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("sqldb: commit under lock: %w", err)
	}
	return nil
}

func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}

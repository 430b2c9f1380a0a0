package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// Dialect names a supported database engine.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql"
)

// Options tune the connection pools. The zero value is ready to use.
type Options struct {
	// MaxOpenConns caps the read pool (and, except on SQLite, the write pool).
	// Default: 4 × GOMAXPROCS, at least 8.
	MaxOpenConns int
	// BusyTimeout is how long SQLite waits for a lock held by another process
	// before failing with SQLITE_BUSY. Default: 5s.
	BusyTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = max(8, 4*runtime.GOMAXPROCS(0))
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	return o
}

// DB is an open database: a pool for writes and a pool for reads, which are
// the same pool except on file-backed SQLite.
type DB struct {
	// Dialect is the engine behind the pools.
	Dialect Dialect
	// Write is the pool to run writes and transactions on.
	Write *bun.DB
	// Read is the pool to run plain reads on.
	Read *bun.DB

	redacted string
	// sqlitePath is the SQLite database file; empty for in-memory databases
	// and other engines.
	sqlitePath  string
	busyTimeout time.Duration
}

// ErrUnsupportedURL is returned by Open for a URL whose scheme it does not know.
var ErrUnsupportedURL = errors.New("sqldb: unsupported database URL")

// Open parses rawURL and opens pools for it. Connections are made lazily:
// use Ping to check the database is reachable.
func Open(rawURL string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	scheme, _, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("%w: %q has no scheme (want sqlite://, postgres:// or mysql://)", ErrUnsupportedURL, Redact(rawURL))
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
		return openSQLite(rawURL, opts)
	case "postgres", "postgresql":
		return openPostgres(rawURL, opts)
	case "mysql", "mariadb":
		return openMySQL(rawURL, opts)
	default:
		return nil, fmt.Errorf("%w: scheme %q (want sqlite://, postgres:// or mysql://)", ErrUnsupportedURL, scheme)
	}
}

func openPostgres(rawURL string, opts Options) (*DB, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("sqldb: parse postgres URL %q: %w", Redact(rawURL), errors.Unwrap(err))
	}
	// pgx parses the URL without its password, which is set afterwards: a
	// parse error, quoting what it could not read, then cannot hold it.
	password, hasPassword := u.User.Password()
	if hasPassword {
		u.User = url.User(u.User.Username())
	}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("sqldb: postgres URL %q: %s", Redact(rawURL), withoutPassword(err.Error(), rawURL))
	}
	if hasPassword {
		cfg.Password = password
	}
	// bun writes argument values into the SQL text, so every query is new
	// to the server: preparing and caching each one (pgx's default) costs a
	// round trip and evicts the cache. The simple protocol sends it once.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	sqlDB := stdlib.OpenDB(*cfg)
	sqlDB.SetMaxOpenConns(opts.MaxOpenConns)
	sqlDB.SetMaxIdleConns(opts.MaxOpenConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	db := bun.NewDB(sqlDB, pgdialect.New())
	return &DB{Dialect: Postgres, Write: db, Read: db, redacted: Redact(rawURL)}, nil
}

func openMySQL(rawURL string, opts Options) (*DB, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("sqldb: parse mysql URL %q: %w", Redact(rawURL), errors.Unwrap(err))
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	// Our timestamps are UTC; make the session agree so NOW()-style defaults
	// and comparisons do too.
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	dsn := cfg.FormatDSN()
	if q := u.RawQuery; q != "" {
		// Driver options (tls, timeout, …) pass through unchanged.
		dsn += "&" + q
	}
	if cfg, err = mysql.ParseDSN(dsn); err != nil {
		return nil, fmt.Errorf("sqldb: mysql URL %q: %w", Redact(rawURL), err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("sqldb: open mysql: %w", err)
	}
	sqlDB := sql.OpenDB(connector)
	sqlDB.SetMaxOpenConns(opts.MaxOpenConns)
	sqlDB.SetMaxIdleConns(opts.MaxOpenConns)
	// MySQL closes idle connections after wait_timeout (8h by default).
	sqlDB.SetConnMaxLifetime(time.Hour)
	db := bun.NewDB(sqlDB, mysqldialect.New())
	return &DB{Dialect: MySQL, Write: db, Read: db, redacted: Redact(rawURL)}, nil
}

func openSQLite(rawURL string, opts Options) (*DB, error) {
	_, path, _ := strings.Cut(rawURL, "://")
	if path == "" {
		return nil, fmt.Errorf("%w: %q names no file (use sqlite://articles.db or sqlite://:memory:)", ErrUnsupportedURL, rawURL)
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("%w: %q: query strings are not supported in SQLite URLs", ErrUnsupportedURL, rawURL)
	}
	db := &DB{Dialect: SQLite, redacted: rawURL, busyTimeout: opts.BusyTimeout}
	if path == ":memory:" {
		// One connection: every new connection to :memory: is a new, empty
		// database, so the pool must never open a second one.
		w, err := openSQLitePool(sqliteDSN(":memory:", opts.BusyTimeout, false), 1)
		if err != nil {
			return nil, err
		}
		db.Write, db.Read = w, w
		return db, nil
	}
	db.sqlitePath = path
	w, err := openSQLitePool(sqliteDSN(path, opts.BusyTimeout, false), 1)
	if err != nil {
		return nil, err
	}
	r, err := openSQLitePool(sqliteDSN(path, opts.BusyTimeout, true), opts.MaxOpenConns)
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	db.Write, db.Read = w, r
	return db, nil
}

func openSQLitePool(dsn string, conns int) (*bun.DB, error) {
	sqlDB, err := sql.Open(sqliteshim.ShimName, dsn)
	if err != nil {
		return nil, fmt.Errorf("sqldb: open sqlite: %w", err)
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)
	return bun.NewDB(sqlDB, sqlitedialect.New()), nil
}

// sqliteDSN builds a DSN for whichever SQLite driver sqliteshim picked: the
// pure-Go modernc driver by default, mattn's cgo driver with -tags cgosqlite.
func sqliteDSN(path string, busy time.Duration, readOnly bool) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	ms := busy.Milliseconds()
	if sqliteshim.DriverName() == "sqlite3" {
		q := fmt.Sprintf("_busy_timeout=%d&_foreign_keys=1&_synchronous=NORMAL&_txlock=immediate", ms)
		if path != ":memory:" {
			q += "&_journal_mode=WAL"
		}
		if readOnly {
			q += "&_query_only=1"
		}
		return "file:" + escaped + "?" + q
	}
	q := url.Values{}
	// Times bound as parameters are written as bun writes them (and as
	// mattn's driver does): text that sorts in time order, not Go's
	// time.String, which does not.
	q.Set("_time_format", "sqlite")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", ms))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if path != ":memory:" {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	}
	// Writers take the lock at BEGIN, so two processes never deadlock
	// upgrading read transactions to write ones.
	q.Set("_txlock", "immediate")
	return "file:" + escaped + "?" + q.Encode()
}

// String returns the database URL with any password removed, for logs.
func (db *DB) String() string { return db.redacted }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqldb: ping %s: %w", db.redacted, err)
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	err := db.Write.Close()
	if db.Read != db.Write {
		err = errors.Join(err, db.Read.Close())
	}
	return err
}

// withoutPassword returns msg with rawURL's password masked, in the
// spelling it had in rawURL and decoded: drivers' parse errors may quote
// the URL whole.
func withoutPassword(msg, rawURL string) string {
	if _, rest, ok := strings.Cut(rawURL, "://"); ok {
		// The user info ends at the last "@": passwords may hold "/" or "@".
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, raw, ok := strings.Cut(rest[:at], ":"); ok && raw != "" {
				msg = strings.ReplaceAll(msg, raw, "xxxxx")
				if decoded, err := url.PathUnescape(raw); err == nil && decoded != "" {
					msg = strings.ReplaceAll(msg, decoded, "xxxxx")
				}
			}
		}
	}
	return msg
}

// Redact returns rawURL with its password replaced by "xxxxx".
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		if i := strings.LastIndex(rawURL, "@"); i >= 0 {
			// Unparseable, but may still carry credentials: drop them.
			scheme, _, _ := strings.Cut(rawURL, "://")
			return scheme + "://xxxxx@" + rawURL[i+1:]
		}
		return rawURL
	}
	return u.Redacted()
}

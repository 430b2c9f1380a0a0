// Package articlestest gives tests fresh, migrated article databases on
// every engine that is available: SQLite always, PostgreSQL and MySQL or
// MariaDB when their admin URLs are set in the environment.
//
//	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
//		svc := articlestest.NewService(t, url)
//		…
//	})
//
// A missing server skips its subtests with a message, except under CI=true,
// where it fails them: in CI a skipped database check must not pass silently.
package articlestest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the "mysql" driver for admin statements
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for admin statements
	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/sqldb"
)

// Environment variables holding admin URLs of test servers. The user must
// be allowed to create and drop databases.
const (
	PostgresURLEnv = "ARTICLEKIT_TEST_POSTGRES_URL" // e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
	MySQLURLEnv    = "ARTICLEKIT_TEST_MYSQL_URL"    // e.g. mysql://root:secret@127.0.0.1:3306/mysql
)

// ForEachDatabase runs fn as a subtest per engine — sqlite, postgres,
// mysql — each with the URL of a fresh, empty database.
func ForEachDatabase(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	for _, d := range []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres, sqldb.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, NewDatabase(t, d))
		})
	}
}

// NewDatabase returns the URL of a fresh, empty database on engine d,
// dropped when the test ends. It skips the test (fails it under CI=true)
// when no server for d is configured.
func NewDatabase(t testing.TB, d sqldb.Dialect) string {
	t.Helper()
	switch d {
	case sqldb.SQLite:
		return "sqlite://" + filepath.Join(t.TempDir(), "articles.db")
	case sqldb.Postgres:
		return newServerDatabase(t, PostgresURLEnv, "pgx", func(admin *url.URL, name string) string {
			u := *admin
			u.Path = "/" + name
			return u.String()
		}, `CREATE DATABASE "%s"`, `DROP DATABASE IF EXISTS "%s" WITH (FORCE)`)
	case sqldb.MySQL:
		return newServerDatabase(t, MySQLURLEnv, "mysql", func(admin *url.URL, name string) string {
			u := *admin
			u.Path = "/" + name
			return u.String()
		}, "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "DROP DATABASE IF EXISTS `%s`")
	default:
		t.Fatalf("articlestest: unknown dialect %q", d)
		return ""
	}
}

func newServerDatabase(t testing.TB, env, driver string, withDB func(*url.URL, string) string, create, drop string) string {
	t.Helper()
	raw := os.Getenv(env)
	if raw == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must provide this database server", env)
		}
		t.Skipf("%s is not set: start a server (bash .ci/services start) to run this test", env)
	}
	admin, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	dsn := raw
	if driver == "mysql" {
		dsn = mysqlDSN(admin)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	defer db.Close()

	// The name is generated here, never taken from input, so formatting it
	// into the statements below is safe.
	name := "ak_test_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, fmt.Sprintf(create, name)); err != nil {
		t.Fatalf("create test database on %s: %v", sqldb.Redact(raw), err)
	}
	t.Cleanup(func() {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Errorf("drop test database: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), fmt.Sprintf(drop, name)); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return withDB(admin, name)
}

// NewStore opens and migrates the database at url, closed when the test
// ends.
func NewStore(t testing.TB, url string) *articles.Store {
	t.Helper()
	store, err := articles.OpenStore(articles.Config{DatabaseURL: url}, articles.WithLogger(zaptest.NewLogger(t)))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return store
}

// NewService returns a Service over NewStore(t, url).
func NewService(t testing.TB, url string, opts ...articles.Option) *articles.Service {
	t.Helper()
	return articles.NewService(NewStore(t, url), append([]articles.Option{articles.WithLogger(zaptest.NewLogger(t))}, opts...)...)
}

func mysqlDSN(u *url.URL) string {
	pass, _ := u.User.Password()
	return u.User.Username() + ":" + pass + "@tcp(" + u.Host + ")/"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

package sqldb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		url     string
		dialect Dialect
		wantErr string
	}{
		{"sqlite://" + filepath.Join(dir, "a.db"), SQLite, ""},
		{"sqlite://:memory:", SQLite, ""},
		{"postgres://u:p@127.0.0.1:1/db?sslmode=disable", Postgres, ""},
		{"postgresql://u@127.0.0.1:1/db", Postgres, ""},
		{"mysql://u:p@127.0.0.1:1/db", MySQL, ""},
		{"mysql://u:p@127.0.0.1/db?tls=false", MySQL, ""},
		{"mysql://u:p@127.0.0.1/db?bogus_driver_option=%zz", "", "mysql URL"},
		{"articles.db", "", "has no scheme"},
		{"oracle://x", "", "unsupported database URL"},
		{"sqlite://", "", "names no file"},
		{"sqlite://a.db?mode=ro", "", "query strings"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			db, err := Open(tt.url, Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open(%q) = %v, want error containing %q", tt.url, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), ":p@") {
					t.Fatalf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", tt.url, err)
			}
			defer db.Close()
			if db.Dialect != tt.dialect {
				t.Fatalf("dialect = %s, want %s", db.Dialect, tt.dialect)
			}
			if strings.Contains(db.String(), ":p@") {
				t.Fatalf("String() leaks the password: %s", db)
			}
		})
	}
}

func TestSQLiteSettings(t *testing.T) {
	db, err := Open("sqlite://"+filepath.Join(t.TempDir(), "a.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, tt := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "foreign_keys", "1"},
		{"write", "busy_timeout", "5000"},
		{"write", "synchronous", "1"},
		{"read", "query_only", "1"},
	} {
		pool := db.Write
		if tt.pool == "read" {
			pool = db.Read
		}
		var got string
		if err := pool.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s pool: PRAGMA %s = %s, want %s", tt.pool, tt.pragma, got, tt.want)
		}
	}
	if _, err := db.Read.ExecContext(ctx, "CREATE TABLE t (x)"); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://user:secret@h:5432/db": "postgres://user:xxxxx@h:5432/db",
		"mysql://user:s%zz@h/db":           "mysql://xxxxx@h/db",
		"sqlite://articles.db":             "sqlite://articles.db",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorClassification(t *testing.T) {
	tests := []struct {
		err                    error
		unique, retry, unavail bool
	}{
		{&pgconn.PgError{Code: "23505"}, true, false, false},
		{&pgconn.PgError{Code: "40P01"}, false, true, false},
		{&pgconn.PgError{Code: "08006"}, false, false, true},
		{&mysql.MySQLError{Number: 1062}, true, false, false},
		{&mysql.MySQLError{Number: 1213}, false, true, false},
		{errors.New("constraint failed: UNIQUE constraint failed: articles.id (1555)"), true, false, false},
		{errors.New("database is locked (5) (SQLITE_BUSY)"), false, true, false},
		{fmt.Errorf("query: %w", mysql.ErrInvalidConn), false, false, true},
		{errors.New("syntax error"), false, false, false},
		{nil, false, false, false},
	}
	for _, tt := range tests {
		if got := IsUniqueViolation(tt.err); got != tt.unique {
			t.Errorf("IsUniqueViolation(%v) = %v", tt.err, got)
		}
		if got := IsRetryable(tt.err); got != tt.retry {
			t.Errorf("IsRetryable(%v) = %v", tt.err, got)
		}
		if got := IsUnavailable(tt.err); got != tt.unavail {
			t.Errorf("IsUnavailable(%v) = %v", tt.err, got)
		}
	}
}

// No URL may crash Open or leak its password through an error or String.
func FuzzOpen(f *testing.F) {
	for _, seed := range [][2]string{
		{"postgres", "h:1/d"}, {"mysql", "127.0.0.1:1/d?x=%zz"}, {"mysql", "[::1/d"}, {"postgres", "h:99999/d"},
		{"postgresql", "h/d?sslmode=bogus"}, {"oracle", "h"}, {"", "h"}, {"mysql", "127.0.0.1:x/d?tls=custom"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, scheme, rest string) {
		if strings.HasPrefix(strings.ToLower(scheme), "sqlite") || strings.EqualFold(scheme, "file") {
			return // opening SQLite creates files; its parsing is covered by TestOpen
		}
		if s := strings.ToLower(scheme); (s == "mysql" || s == "mariadb") && !dialsLoopback(rest) {
			// bun asks a MySQL server its version as it opens: keep the
			// fuzzer off DNS and the network, which can stall it.
			return
		}
		// The password, plainly or percent-encoded: neither may show.
		for _, password := range []string{"Pw-Marker-91", "Pw%2DMarker%2D91", "Pw/Marker@91"} {
			checkNoLeak(t, scheme+"://user:"+password+"@"+rest)
		}
	})
}

// dialsLoopback reports whether a MySQL URL after its user part names a
// loopback IP address (or no host, which the driver reads as 127.0.0.1).
func dialsLoopback(rest string) bool {
	u, err := url.Parse("mysql://" + rest)
	if err != nil {
		return true // refused before any dial
	}
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() == "" || ip != nil && ip.IsLoopback()
}

func checkNoLeak(t *testing.T, raw string) {
	const password = "Marker"
	{
		db, err := Open(raw, Options{})
		if err == nil {
			defer db.Close()
			if strings.Contains(db.String(), password) {
				t.Fatalf("String() leaks the password: %s", db)
			}
			return
		}
		if strings.Contains(err.Error(), password) {
			t.Fatalf("Open(%q) error leaks the password: %v", raw, err)
		}
	}
}

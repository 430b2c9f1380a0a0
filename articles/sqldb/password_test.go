package sqldb_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/articles/sqldb"
)

// A password reaches PostgreSQL intact whatever it holds, and a wrong one
// is refused with an error that does not quote it. The server must ask
// the role articlekit_password for its password (.ci/services sets it up).
func TestPostgresPassword(t *testing.T) {
	admin := os.Getenv(articlestest.PostgresURLEnv)
	if admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must provide PostgreSQL", articlestest.PostgresURLEnv)
		}
		t.Skipf("%s is not set", articlestest.PostgresURLEnv)
	}
	const password = "p@ss:w/rd#1 %x?&=é"
	ctx := context.Background()
	db, err := sqldb.Open(admin, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Write.ExecContext(ctx, "DROP ROLE IF EXISTS articlekit_password"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.ExecContext(ctx, "CREATE ROLE articlekit_password LOGIN PASSWORD '"+strings.ReplaceAll(password, "'", "''")+"'"); err != nil {
		t.Fatal(err)
	}
	defer db.Write.ExecContext(ctx, "DROP ROLE IF EXISTS articlekit_password") //nolint:errcheck // best effort

	signIn := func(pw string) error {
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword("articlekit_password", pw)
		db, err := sqldb.Open(u.String(), sqldb.Options{})
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Ping(ctx)
	}
	if err := signIn(password); err != nil {
		t.Fatalf("the right password: %v", err)
	}
	wrong := "wrong-" + password
	err = signIn(wrong)
	if err == nil {
		t.Fatal("a wrong password signed in: the server does not ask articlekit_password for one (see .ci/services)")
	}
	if strings.Contains(err.Error(), "wrong-") || strings.Contains(err.Error(), url.QueryEscape(wrong)) {
		t.Fatalf("the error quotes the password: %v", err)
	}
}

// Package sqldb opens the SQL databases ArticleKit runs on — SQLite,
// PostgreSQL and MySQL/MariaDB — from a single URL, with pool settings that
// suit each engine.
//
//	db, err := sqldb.Open("sqlite://articles.db", sqldb.Options{})
//	if err != nil { … }
//	defer db.Close()
//	n, err := db.Read.NewSelect().Table("articles").Count(ctx)
//
// URLs:
//
//	sqlite://articles.db           relative path
//	sqlite:///var/lib/articles.db  absolute path
//	sqlite://:memory:              private in-memory database
//	postgres://user:pass@127.0.0.1:5432/db?sslmode=disable   (also postgresql://)
//	mysql://user:pass@127.0.0.1:3306/db                      (MySQL and MariaDB)
//
// SQLite is opened in WAL mode with a busy timeout, foreign keys on and
// synchronous=NORMAL, with one writing connection (SQLite has a single writer,
// so queuing in the pool beats spinning on SQLITE_BUSY) and a separate
// read-only pool.
package sqldb

// Package sqlio reads and writes pipeline rows in SQL databases: SQLite,
// PostgreSQL and MySQL/MariaDB, opened with articles/sqldb from one
// DATABASE_URL.
//
// Query is a source; Table is a sink that inserts (with PostgreSQL's COPY
// as a fast path), upserts guarded by a version column, merges without a
// unique key (Kettle's Insert/Update), updates, deletes, or synchronizes by
// a step.Diff's flags. A Checkpoint makes a Query incremental: it reads
// only rows past the watermark the Table saved, in the same transaction as
// the rows it wrote, so a killed run resumes without gaps or duplicates.
//
// An in-memory SQLite database (sqlite://:memory:) has one connection: a
// Query still reading it holds that connection, so a Table writing to the
// same database waits for ever. Use a file for a pipeline that reads and
// writes one SQLite database.
//
//	src, _ := sqldb.Open("sqlite://a.db", sqldb.Options{})
//	dst, _ := sqldb.Open("postgres://…", sqldb.Options{})
//	p := etl.New("copy").
//		Then("read", &sqlio.Query{DB: src, SQL: "SELECT id, title FROM articles"}).
//		Then("write", &sqlio.Table{DB: dst, Name: "articles", Mode: sqlio.Upsert, Keys: []sqlio.Key{{Column: "id"}}})
//	res, err := p.Run(ctx)
package sqlio

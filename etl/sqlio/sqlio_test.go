package sqlio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/sqlio"
	"github.com/articlekit/articlekit/etl/step"
)

func open(t *testing.T, url string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(url, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *sqldb.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		if _, err := db.Write.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// dump returns a table's rows, ordered by id, as text.
func dump(t *testing.T, db *sqldb.DB, table string) string {
	t.Helper()
	out := &step.Collector{}
	p := etl.New("dump").Then("read", &sqlio.Query{DB: db, SQL: "SELECT id, title, version FROM " + table + " ORDER BY id"}).Then("out", out)
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, r := range out.Rows() {
		parts = append(parts, fmt.Sprint([]any(r)))
	}
	return strings.Join(parts, " ")
}

const ddl = "CREATE TABLE %s (id BIGINT NOT NULL PRIMARY KEY, title VARCHAR(200), version BIGINT NOT NULL)"

func rows(values ...any) step.Rows {
	schema := etl.MustSchema(etl.Field{Name: "id", Type: etl.Integer}, etl.Field{Name: "title", Type: etl.String},
		etl.Field{Name: "version", Type: etl.Integer})
	r := step.Rows{Schema: schema}
	for i := 0; i+2 < len(values); i += 3 {
		r.Rows = append(r.Rows, etl.Row{values[i], values[i+1], values[i+2]})
	}
	return r
}

func write(t *testing.T, src etl.Step, table *sqlio.Table) error {
	t.Helper()
	_, err := etl.New("write").Then("source", src).Then("table", table).Run(context.Background())
	return err
}

func TestTableModes(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		db := open(t, url)
		exec(t, db, fmt.Sprintf(ddl, "b"))
		table := func(m sqlio.Mode) *sqlio.Table {
			return &sqlio.Table{DB: db, Name: "b", Mode: m, Keys: []sqlio.Key{{Column: "id"}}, Version: "version", CommitSize: 2}
		}
		steps := []struct {
			name string
			src  step.Rows
			t    *sqlio.Table
			want string
			err  error
		}{
			{"insert", rows(int64(1), "one", int64(1), int64(2), "two", int64(1), int64(3), "x'); DROP TABLE b; --", int64(1)),
				&sqlio.Table{DB: db, Name: "b"}, "[1 one 1] [2 two 1] [3 x'); DROP TABLE b; -- 1]", nil},
			{"upsert: newer wins, older and equal change nothing", rows(int64(1), "one v2", int64(2), int64(2), "stale", int64(1), int64(4), "four", int64(1)),
				table(sqlio.Upsert), "[1 one v2 2] [2 two 1] [3 x'); DROP TABLE b; -- 1] [4 four 1]", nil},
			{"upsert replayed", rows(int64(1), "one v2", int64(2)), table(sqlio.Upsert), "[1 one v2 2] [2 two 1] [3 x'); DROP TABLE b; -- 1] [4 four 1]", nil},
			{"merge", rows(int64(2), "two m", int64(5), int64(5), "five", int64(1)), table(sqlio.Merge),
				"[1 one v2 2] [2 two m 5] [3 x'); DROP TABLE b; -- 1] [4 four 1] [5 five 1]", nil},
			{"update", rows(int64(5), "five u", int64(2)), table(sqlio.Update),
				"[1 one v2 2] [2 two m 5] [3 x'); DROP TABLE b; -- 1] [4 four 1] [5 five u 2]", nil},
			{"update of a missing row fails and rolls back", rows(int64(4), "four u", int64(2), int64(9), "nine", int64(1)), table(sqlio.Update),
				"[1 one v2 2] [2 two m 5] [3 x'); DROP TABLE b; -- 1] [4 four 1] [5 five u 2]", sqlio.ErrNoMatch},
			{"delete", rows(int64(3), "", int64(0)), table(sqlio.Delete), "[1 one v2 2] [2 two m 5] [4 four 1] [5 five u 2]", nil},
		}
		for _, s := range steps {
			err := write(t, s.src, s.t)
			if !errors.Is(err, s.err) {
				t.Fatalf("%s: error %v, want %v", s.name, err, s.err)
			}
			if got := dump(t, db, "b"); got != s.want {
				t.Fatalf("%s:\n got %s\nwant %s", s.name, got, s.want)
			}
		}
	})
}

// A Diff and a Sync table bring B to A's rows, touching only what differs.
func TestDiffSync(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		db := open(t, url)
		exec(t, db, fmt.Sprintf(ddl, "a"), fmt.Sprintf(ddl, "b"),
			"INSERT INTO a VALUES (1, 'same', 1), (2, 'changed', 2), (3, 'new', 1)",
			"INSERT INTO b VALUES (2, 'old', 1), (1, 'same', 1), (4, 'gone', 1)")
		diff := &step.Diff{Keys: []string{"id"}}
		sync := &sqlio.Table{DB: db, Name: "b", Mode: sqlio.Sync, Flag: "flag", Keys: []sqlio.Key{{Column: "id"}}}
		p := etl.New("sync").
			Add("a", &sqlio.Query{DB: db, SQL: "SELECT id, title, version FROM a"}).
			Add("b", &sqlio.Query{DB: db, SQL: "SELECT id, title, version FROM b"}).
			Add("diff", diff).Add("sync", sync).
			Connect(etl.Hop{From: "b", To: "diff", ToPort: step.ReferencePort}, etl.Hop{From: "a", To: "diff", ToPort: step.ComparePort},
				etl.Hop{From: "diff", To: "sync"})
		if _, err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if c := diff.Counts(); c != (step.DiffCounts{New: 1, Changed: 1, Deleted: 1, Identical: 1}) {
			t.Fatalf("counts %+v", c)
		}
		if got, want := dump(t, db, "b"), dump(t, db, "a"); got != want {
			t.Fatalf("b = %s, want a's %s", got, want)
		}
	})
}

// An incremental run killed mid-way resumes after the last row written:
// in the end the target has exactly the source rows (a plain insert would
// fail on a duplicate).
func TestIncrementalResumes(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		db := open(t, url)
		exec(t, db, fmt.Sprintf(ddl, "a"), fmt.Sprintf(ddl, "b"))
		for i := 1; i <= 10; i++ {
			exec(t, db, fmt.Sprintf("INSERT INTO a VALUES (%d, 'row %d', %d)", i, i, 11-i))
		}
		cp := &sqlio.Checkpoint{DB: db, Name: "a-to-b", Fields: []string{"id"}}
		run := func(failAt int64) error {
			crash := step.Func{Fields: []string{"id"}, Fn: func(args []any) (any, error) {
				if args[0].(int64) == failAt {
					return nil, errors.New("killed")
				}
				return nil, nil
			}}
			p := etl.New("a-to-b").
				Then("read", &sqlio.Query{DB: db, SQL: "SELECT id, title, version FROM a", Checkpoint: cp}).
				Then("crash", step.Compute{Fields: []step.Computed{{Name: "tmp", Value: crash}}, Remove: []string{"tmp"}}).
				Then("write", &sqlio.Table{DB: db, Name: "b", CommitSize: 3, Checkpoint: cp})
			_, err := p.Run(context.Background(), etl.WithBatchSize(1), etl.WithBuffer(0))
			return err
		}
		if err := run(8); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("first run: %v", err)
		}
		if got := dump(t, db, "b"); strings.Count(got, "[") != 6 {
			t.Fatalf("after the crash b has %s, want the first two commits (6 rows)", got)
		}
		if err := run(-1); err != nil {
			t.Fatal(err)
		}
		if got, want := dump(t, db, "b"), dump(t, db, "a"); got != want {
			t.Fatalf("b = %s\nwant %s", got, want)
		}
		exec(t, db, "INSERT INTO a VALUES (11, 'late', 1)")
		if err := run(-1); err != nil {
			t.Fatal(err)
		}
		if got, want := dump(t, db, "b"), dump(t, db, "a"); got != want {
			t.Fatalf("after a new row b = %s\nwant %s", got, want)
		}
	})
}

func TestCopy(t *testing.T) {
	db := open(t, articlestest.NewDatabase(t, sqldb.Postgres))
	exec(t, db, fmt.Sprintf(ddl, "b"))
	src := rows(int64(1), "one", int64(1), int64(2), "two\ttab\nnewline", int64(1), int64(3), nil, int64(1))
	src.Times = 1
	cp := &sqlio.Checkpoint{DB: db, Name: "copy", Fields: []string{"id"}}
	res, err := etl.New("copy").Then("source", src).Then("table", &sqlio.Table{DB: db, Name: "b", Copy: true, CommitSize: 2, Checkpoint: cp}).
		Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if w := res.Step("table").Written; w != 3 {
		t.Fatalf("the table counts %d rows written, want 3", w)
	}
	if got, want := dump(t, db, "b"), "[1 one 1] [2 two\ttab\nnewline 1] [3 <nil> 1]"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	mark, err := cp.Load(context.Background())
	if err != nil || len(mark) != 1 || mark[0] != int64(3) {
		t.Fatalf("checkpoint %v, %v", mark, err)
	}
	// A failed COPY passes no row on: they were never committed.
	passed := &step.Collector{}
	_, err = etl.New("dup").Then("source", rows(int64(5), "new", int64(1), int64(1), "dup", int64(1))).
		Then("table", &sqlio.Table{DB: db, Name: "b", Copy: true}).Then("after", passed).Run(context.Background())
	if err == nil || len(passed.Rows()) != 0 {
		t.Fatalf("COPY of a duplicate key: %v, %d rows passed on", err, len(passed.Rows()))
	}
	if got := dump(t, db, "b"); strings.Contains(got, "[5 ") {
		t.Fatalf("b = %s", got)
	}
}

func TestTablePlanErrors(t *testing.T) {
	db := open(t, articlestest.NewDatabase(t, sqldb.SQLite))
	tests := []struct {
		name  string
		table *sqlio.Table
		want  string
	}{
		{"keys needed", &sqlio.Table{DB: db, Name: "b", Mode: sqlio.Upsert}, "needs keys"},
		{"unknown column field", &sqlio.Table{DB: db, Name: "b", Columns: []sqlio.Column{{Name: "x"}}}, `no field "x"`},
		{"copy on sqlite", &sqlio.Table{DB: db, Name: "b", Copy: true}, "COPY needs PostgreSQL"},
		{"bad operator", &sqlio.Table{DB: db, Name: "b", Mode: sqlio.Delete, Keys: []sqlio.Key{{Column: "id", Op: "; DROP"}}}, "unknown operator"},
		{"version not written", &sqlio.Table{DB: db, Name: "b", Mode: sqlio.Upsert, Keys: []sqlio.Key{{Column: "id"}},
			Columns: []sqlio.Column{{Name: "id"}}, Version: "version"}, "version column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := write(t, rows(int64(1), "a", int64(1)), tt.table); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// A table is read whole; Count tells how many rows a run reads.
func TestQueryTable(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		db := open(t, url)
		exec(t, db, fmt.Sprintf(ddl, "a"), "INSERT INTO a VALUES (1, 'one', 1), (2, 'two', 1)")
		q := &sqlio.Query{DB: db, Table: "a"}
		if n, err := q.Count(context.Background()); err != nil || n != 2 {
			t.Fatalf("Count = %d, %v", n, err)
		}
		out := &step.Collector{}
		if _, err := etl.New("t").Then("read", q).Then("out", out).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(out.Rows()) != 2 || out.Schema().String() != "(id:integer, title:string, version:integer)" {
			t.Fatalf("%s %v", out.Schema(), out.Rows())
		}
	})
}

// The usual incremental load: articles in A by (updated_at, id) into B,
// version-guarded. Each run takes only what changed since the last, with
// the timestamps compared as each database stores them.
func TestIncrementalArticles(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		ctx := context.Background()
		svc := articlestest.NewService(t, url)
		db := open(t, url)
		exec(t, db, "CREATE TABLE b (id BIGINT NOT NULL PRIMARY KEY, title VARCHAR(200), version BIGINT NOT NULL)")
		var ids []int64
		for i := range 5 {
			a, err := svc.Create(ctx, articles.Draft{Title: fmt.Sprintf("article %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		cp := &sqlio.Checkpoint{DB: db, Name: "articles", Fields: []string{"updated_at", "id"}}
		load := func() int64 {
			t.Helper()
			p := etl.New("articles").
				Then("read", &sqlio.Query{DB: db, SQL: "SELECT id, title, version, updated_at FROM articles WHERE deleted_at IS NULL", Checkpoint: cp}).
				Then("write", &sqlio.Table{DB: db, Name: "b", Mode: sqlio.Upsert, Keys: []sqlio.Key{{Column: "id"}}, Version: "version",
					Columns: []sqlio.Column{{Name: "id"}, {Name: "title"}, {Name: "version"}}, Checkpoint: cp})
			res, err := p.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return res.Step("read").Written
		}
		if n := load(); n != 5 {
			t.Fatalf("first run read %d rows, want 5", n)
		}
		if n := load(); n != 0 {
			t.Fatalf("a run with nothing new read %d rows", n)
		}
		if _, err := svc.Update(ctx, ids[1], articles.Draft{Title: "changed"}, 0); err != nil {
			t.Fatal(err)
		}
		if n := load(); n != 1 {
			t.Fatalf("after one update a run read %d rows, want 1", n)
		}
		if got := dump(t, db, "b"); !strings.Contains(got, "changed 2]") || strings.Count(got, "[") != 5 {
			t.Fatalf("b = %s", got)
		}
	})
}

// An upsert batch that holds one key twice applies both, in order, on
// every engine (PostgreSQL refuses one statement changing a row twice).
func TestUpsertRepeatedKey(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		db := open(t, url)
		exec(t, db, fmt.Sprintf(ddl, "b"))
		src := rows(int64(1), "v1", int64(1), int64(2), "other", int64(1), int64(1), "v2", int64(2), int64(1), "stale", int64(1))
		if err := write(t, src, &sqlio.Table{DB: db, Name: "b", Mode: sqlio.Upsert, Keys: []sqlio.Key{{Column: "id"}}, Version: "version"}); err != nil {
			t.Fatal(err)
		}
		if got := dump(t, db, "b"); got != "[1 v2 2] [2 other 1]" {
			t.Fatalf("b = %s", got)
		}
	})
}

// Truncate empties the table in the transaction that writes the new rows:
// a run that fails before that leaves the table as it was; a run with no
// rows still empties it.
func TestTruncateIsTransactional(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		db := open(t, url)
		exec(t, db, fmt.Sprintf(ddl, "b"), "INSERT INTO b VALUES (9, 'kept', 1)")
		failing := step.Compute{Fields: []step.Computed{{Name: "x", Value: step.Func{Fields: []string{"id"},
			Fn: func([]any) (any, error) { return nil, errors.New("source down") }}}}, Remove: []string{"x"}}
		_, err := etl.New("fail").Then("source", rows(int64(1), "new", int64(1))).Then("fail", failing).
			Then("table", &sqlio.Table{DB: db, Name: "b", Truncate: true}).Run(context.Background())
		if err == nil {
			t.Fatal("the run succeeded")
		}
		if got := dump(t, db, "b"); got != "[9 kept 1]" {
			t.Fatalf("after a failed run b = %s", got)
		}
		if err := write(t, rows(), &sqlio.Table{DB: db, Name: "b", Truncate: true}); err != nil {
			t.Fatal(err)
		}
		if got := dump(t, db, "b"); got != "" {
			t.Fatalf("after an empty run b = %s", got)
		}
	})
}

// Loading a checkpoint changes nothing, not even by creating its table.
func TestCheckpointLoadWritesNothing(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		db := open(t, url)
		cp := &sqlio.Checkpoint{DB: db, Name: "x", Fields: []string{"id"}}
		if mark, err := cp.Load(context.Background()); err != nil || mark != nil {
			t.Fatalf("Load = %v, %v", mark, err)
		}
		if _, err := db.Read.DB.Exec("SELECT 1 FROM " + sqlio.CheckpointTable); err == nil {
			t.Fatal("Load created the checkpoint table")
		}
		if err := cp.Reset(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

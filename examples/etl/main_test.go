package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl/load"
)

func setup(t *testing.T) (dir string, db *sqldb.DB) {
	t.Helper()
	dir = t.TempDir()
	db, err := sqldb.Open("sqlite://"+filepath.Join(dir, "data.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		"CREATE TABLE a (id INTEGER PRIMARY KEY, title TEXT, version INTEGER)",
		"CREATE TABLE b (id INTEGER PRIMARY KEY, title TEXT, version INTEGER)",
		"INSERT INTO a VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 1)",
		"INSERT INTO b VALUES (2, 'old', 1), (9, 'gone', 1)",
	} {
		if _, err := db.Write.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return dir, db
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const syncFile = `name: sync
connections: {data: "sqlite://${DIR}/data.db"}
steps:
  - {name: a, type: query, connection: data, sql: "SELECT id, title, version FROM a"}
  - {name: b, type: query, connection: data, sql: "SELECT id, title, version FROM b"}
  - {name: diff, type: diff, keys: [id], flag: flag}
  - {name: apply, type: table, connection: data, table: b, mode: sync, keys: [id], flag: flag}
hops:
  - {from: b, to: diff, to_port: reference}
  - {from: a, to: diff, to_port: compare}
  - {from: diff, to: apply}
`

func count(t *testing.T, db *sqldb.DB, q string) string {
	t.Helper()
	var s string
	if err := db.Read.DB.QueryRow(q).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDiffDryRunThenRun(t *testing.T) {
	dir, db := setup(t)
	t.Setenv("DIR", dir)
	path := writeFile(t, dir, "sync.yaml", syncFile)
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"diff", "--dry-run", path}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "diff: 2 new, 1 changed, 1 deleted, 0 identical") {
		t.Fatalf("dry run reported:\n%s", out.String())
	}
	b := "SELECT group_concat(id || ':' || title, ',') FROM (SELECT * FROM b ORDER BY id)"
	if got := count(t, db, b); got != "2:old,9:gone" {
		t.Fatalf("the dry run wrote: b = %s", got)
	}
	out.Reset()
	if code := run(context.Background(), []string{"run", path}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if got := count(t, db, b); got != "1:one,2:two,3:three" {
		t.Fatalf("after the run b = %s", got)
	}
	if !strings.Contains(out.String(), "apply") || !strings.Contains(out.String(), "run ") {
		t.Fatalf("no summary:\n%s", out.String())
	}
}

func TestFailures(t *testing.T) {
	dir, _ := setup(t)
	t.Setenv("DIR", dir)
	tests := []struct {
		name string
		args []string
		file string
		code int
		want string
	}{
		{"no arguments", []string{"run"}, "", 2, "usage"},
		{"unknown command", []string{"explode", "x"}, "", 2, "usage"},
		{"diff without dry run", []string{"diff"}, syncFile, 2, "only --dry-run"},
		{"missing file", []string{"run", filepath.Join(dir, "nope.yaml")}, "", 1, "no such file"},
		{"missing variable", []string{"validate"}, "name: x\nconnections: {d: \"${NOPE}\"}\nsteps: [{name: a, type: pass}]\n", 1, "no value for NOPE"},
		{"unknown key", []string{"validate"}, "name: x\nstepz: []\n", 1, "field stepz not found"},
		{"unknown step type", []string{"validate"}, "name: x\nsteps: [{name: a, type: teleport}]\n", 1, `unknown step type "teleport"`},
		{"bad SQL", []string{"validate"}, "name: x\nconnections: {d: \"sqlite://${DIR}/data.db\"}\nsteps: [{name: a, type: query, connection: d, sql: \"SELEC nope\"}]\n", 1, `step "a"`},
		{"bad expression", []string{"run"}, "name: x\nconnections: {d: \"sqlite://${DIR}/data.db\"}\nsteps:\n  - {name: a, type: query, connection: d, sql: \"SELECT id FROM a\"}\n  - {name: f, type: filter, where: \"id >\"}\n", 1, `step "f"`},
		{"missing table", []string{"run"}, "name: x\nconnections: {d: \"sqlite://${DIR}/data.db\"}\nsteps:\n  - {name: a, type: query, connection: d, sql: \"SELECT id FROM a\"}\n  - {name: t, type: table, connection: d, table: nothere}\n", 1,
			`etl: step "t": table nothere in sqlite://` + dir + `/data.db: SQL logic error: no such table: nothere`},
		{"missing table, validated", []string{"validate"}, "name: x\nconnections: {d: \"sqlite://${DIR}/data.db\"}\nsteps:\n  - {name: a, type: query, connection: d, sql: \"SELECT id FROM a\"}\n  - {name: t, type: table, connection: d, table: nothere}\n", 1,
			`table nothere in sqlite://`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append(args, writeFile(t, dir, "p.yaml", tt.file))
			}
			var out, errs bytes.Buffer
			code := run(context.Background(), args, &out, &errs)
			said := errorLines(t, errs.String())
			if code != tt.code || len(said) != 1 || !strings.Contains(said[0], tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and one error line with %q", code, errs.String(), tt.code, tt.want)
			}
			if strings.Contains(errs.String(), "etl: etl:") || strings.Contains(errs.String(), "stacktrace") {
				t.Fatalf("stderr %q: a doubled prefix or a stack trace", errs.String())
			}
		})
	}
}

// errorLines is what stderr says went wrong: its plain text (the usage,
// an error), and the error of each of its JSON log lines at error level.
func errorLines(t *testing.T, stderr string) []string {
	t.Helper()
	var said []string
	plain := ""
	for line := range strings.Lines(strings.TrimSpace(stderr)) {
		var entry struct{ Level, Error string }
		switch {
		case !strings.HasPrefix(line, "{"):
			plain += line
		case json.Unmarshal([]byte(line), &entry) != nil:
			t.Fatalf("a log line that is not JSON: %s", line)
		case entry.Level == "error":
			said = append(said, entry.Error)
		}
	}
	if plain != "" {
		said = append(said, plain)
	}
	return said
}

// Kettle files run natively; one with unsupported steps fails up front,
// naming them.
func TestKettleFiles(t *testing.T) {
	samples := filepath.Join("..", "..", "etl", "ktr", "testdata")
	var out, errs bytes.Buffer
	calc := filepath.Join(samples, "Calculator - Substract constant value one from a number.ktr")
	if code := run(context.Background(), []string{"run", calc}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if !regexp.MustCompile(`Calculator\s+10\s+10\s+0`).MatchString(out.String()) {
		t.Fatalf("summary:\n%s", out.String())
	}
	out.Reset()
	errs.Reset()
	code := run(context.Background(), []string{"validate", filepath.Join(samples, "Table Output - Tablename in field.ktr")}, &out, &errs)
	if code != 1 || !strings.Contains(errs.String(), `"Execute SQL script" (ExecSQL)`) {
		t.Fatalf("exit %d, stderr %q", code, errs.String())
	}
}

// The progress bar's ETA comes from the sources' counts.
func TestExpectedRows(t *testing.T) {
	dir, _ := setup(t)
	t.Setenv("DIR", dir)
	j, err := load.File(writeFile(t, dir, "sync.yaml", syncFile))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got := expectedRows(context.Background(), j.Pipeline); got != 3+2 {
		t.Fatalf("expected rows %d, want 5 (a's 3 and b's 2)", got)
	}
	rest := "name: x\nrest: http://127.0.0.1:1\nsteps: [{name: a, type: articles}]\n"
	j, err = load.File(writeFile(t, dir, "rest.yaml", rest))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got := expectedRows(context.Background(), j.Pipeline); got != -1 {
		t.Fatalf("expected rows %d for a source that cannot count, want -1", got)
	}
}

// -h and --help print the usage and exit 0; anything else unexpected exits 2.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"run", "-h"}, {"diff", "--help"}} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), args, &out, &errs); code != 0 || !strings.Contains(errs.String(), "usage: etl") {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errs.String())
		}
	}
	for _, args := range [][]string{{"--bogus"}, {"run", "--bogus", "f.yaml"}, {"nope", "f.yaml"}} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), args, &out, &errs); code != 2 {
			t.Fatalf("%v: exit %d, want 2", args, code)
		}
	}
}

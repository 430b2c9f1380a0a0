package ktr_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/built"
	"github.com/articlekit/articlekit/etl/ktr"
	"github.com/articlekit/articlekit/etl/step"
)

// build parses and builds a sample file, closing it when the test ends.
func build(t *testing.T, file string, opts ktr.Options) *built.Pipeline {
	t.Helper()
	tr, err := ktr.ParseFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ktr.Build(tr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// probe collects what the named step emits.
func probe(b *built.Pipeline, from string) *step.Collector {
	c := &step.Collector{}
	name := "probe " + from
	b.Pipeline.Add(name, c).Connect(etl.Hop{From: from, To: name})
	return c
}

func run(t *testing.T, b *built.Pipeline) *etl.Result {
	t.Helper()
	res, err := b.Pipeline.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// rows formats rows sorted, for comparing streams that merge in any order.
func rows(rs []etl.Row) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprint([]any(r))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func TestSamplesRunAsKettleDocuments(t *testing.T) {
	t.Run("calculator subtracts one", func(t *testing.T) {
		b := build(t, "Calculator - Substract constant value one from a number.ktr", ktr.Options{})
		out := probe(b, "Calculator")
		run(t, b)
		if got, want := out.Schema().String(), "(count:number, one:integer, newfield:number)"; got != want {
			t.Fatalf("schema %s, want %s", got, want)
		}
		if got, want := rows(out.Rows()), strings.TrimSpace(strings.Repeat("[21 1 20] ", 10)); got != want {
			t.Fatalf("rows %s, want %s", got, want)
		}
	})
	t.Run("value mapper in place and into a new field", func(t *testing.T) {
		b := build(t, "Value Mapper - Same and new field.ktr", ktr.Options{})
		same, added := probe(b, "SameField"), probe(b, "NewField")
		run(t, b)
		if got, want := rows(same.Rows()), "[2] [3] [999] [Five] [Four] [One]"; got != want {
			t.Errorf("in place: %s, want %s", got, want)
		}
		if got, want := rows(added.Rows()), "[<nil> 999] [Five <nil>] [Four <nil>] [One <nil>] [Three 3] [Two 2]"; got != want {
			t.Errorf("new field: %s, want %s", got, want)
		}
	})
	t.Run("stream lookup", func(t *testing.T) {
		b := build(t, "Stream lookup - basics.ktr", ktr.Options{})
		out := probe(b, "Dummy (do nothing)")
		run(t, b)
		if got, want := rows(out.Rows()), strings.TrimSpace(strings.Repeat("[100 BW Winter] ", 10)); got != want {
			t.Fatalf("rows %s, want %s", got, want)
		}
	})
	t.Run("constants after a data grid", func(t *testing.T) {
		b := build(t, "constants-test.ktr", ktr.Options{})
		out := probe(b, "Add constants")
		run(t, b)
		if got, want := rows(out.Rows()), "[a 88 b c d e 1234.56789]"; got != want {
			t.Fatalf("rows %s, want %s", got, want)
		}
		if got := out.Schema().String(); got != "(dataGridField:string, fieldA:number, fieldB:string, fieldC:string, fieldD:string, fieldE:string, fieldF:number)" {
			t.Fatalf("schema %s", got)
		}
	})
}

// The REST Client sample, against a local server standing in for the
// weather API it names.
func TestRestClientSample(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, r.Method+" "+r.URL.Path+" q="+r.URL.Query().Get("q"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"city":%q}`, r.URL.Query().Get("q"))
	}))
	defer srv.Close()
	local, _ := url.Parse(srv.URL)
	client := &http.Client{Transport: redirect{to: local.Host}}
	b := build(t, "rest_client.ktr", ktr.Options{HTTPClient: client})
	fixed, parameterized := probe(b, "Dummy (do nothing)"), probe(b, "Dummy (do nothing) 2")
	run(t, b)
	if got, want := rows(fixed.Rows()), `[London uk {"city":"London"}] [Miami us {"city":"Miami"}] [New York us {"city":"New York"}] [Orlando us {"city":"Orlando"}]`; got != want {
		t.Errorf("REST Client: %s\nwant %s", got, want)
	}
	got := parameterized.Rows()
	if len(got) != 4 || parameterized.Schema().String() != "(city:string, country:string, url:string, method:string, response:string, response_code:integer, response_time:integer)" {
		t.Fatalf("parameterized: %s %v", parameterized.Schema(), got)
	}
	for _, r := range got {
		if r[5] != int64(200) || !strings.Contains(r[4].(string), r[0].(string)) {
			t.Errorf("parameterized row %v", r)
		}
	}
	slices.Sort(calls)
	if len(calls) != 8 || calls[0] != "POST /data/2.5/weather q=London" {
		t.Fatalf("calls %q", calls)
	}
}

// redirect sends every request to a local server.
type redirect struct{ to string }

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Host = r.to
	return http.DefaultTransport.RoundTrip(req)
}

// The table-to-table sample on PostgreSQL, its connection pointed at a test
// database: truncate, select and rename, insert the specified field only.
func TestTableSampleOnPostgres(t *testing.T) {
	dsn := articlestest.NewDatabase(t, sqldb.Postgres)
	db, err := sqldb.Open(dsn, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE people2 (first_name TEXT, last_name TEXT)",
		"CREATE TABLE people (first_name TEXT, last_name TEXT)",
		"INSERT INTO people2 VALUES ('Ada', 'Lovelace'), ('Alan', 'Turing')",
		"INSERT INTO people VALUES ('old', 'row')",
	} {
		if _, err := db.Write.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	b := build(t, "table_io_db_field_renamed_and_list_trimmed.ktr",
		ktr.Options{Overrides: map[string]string{"KTR_CONNECTION_POSTGRES___LOCALHOST_URL": dsn}})
	out := probe(b, "Dummy (do nothing)")
	res := run(t, b)
	if got, want := rows(out.Rows()), "[Ada Lovelace] [Alan Turing]"; got != want {
		t.Fatalf("passed on %s, want %s", got, want)
	}
	var got []string
	r, err := db.Read.DB.Query("SELECT first_name, coalesce(last_name, 'NULL') FROM people ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var a, b string
		if err := r.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		got = append(got, a+" "+b)
	}
	if strings.Join(got, ", ") != "Ada NULL, Alan NULL" || res.Step("Table output").Written != 2 {
		t.Fatalf("people = %v", got)
	}
}

// The generic-driver sample's SELECT 1 FROM dual, on MariaDB.
func TestGenericDriverSampleOnMariaDB(t *testing.T) {
	dsn := articlestest.NewDatabase(t, sqldb.MySQL)
	b := build(t, "Database - generic driver usage.ktr", ktr.Options{Overrides: map[string]string{"KTR_CONNECTION_GENERIC_SAMPLE_URL": dsn}})
	out := probe(b, "Dummy (do nothing)")
	run(t, b)
	if got := rows(out.Rows()); got != "[1]" {
		t.Fatalf("rows %s", got)
	}
}

// Files with unsupported steps fail before anything runs, naming them all.
func TestUnsupportedSamplesFailUpFront(t *testing.T) {
	for file, want := range map[string][]string{
		"Table Output - Tablename in field.ktr": {"ExecSQL"},
		"General - Change log processing 2.ktr": {"RowsFromResult", "TextFileOutput"},
		"group_to_table.template.ktr":           {"JsonInput", "ScriptValueMod", "SimpleMapping", "SwitchCase"},
	} {
		tr, err := ktr.ParseFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = ktr.Build(tr, ktr.Options{})
		var unsupported *ktr.UnsupportedStepsError
		if !errors.As(err, &unsupported) {
			t.Fatalf("%s: error %v, want the unsupported steps", file, err)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), "("+w+")") {
				t.Errorf("%s: %v does not name %s", file, err, w)
			}
		}
	}
}

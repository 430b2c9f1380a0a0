package fileio_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/fileio"
	"github.com/articlekit/articlekit/etl/step"
)

var schema = etl.MustSchema(
	etl.Field{Name: "id", Type: etl.Integer}, etl.Field{Name: "title", Type: etl.String},
	etl.Field{Name: "score", Type: etl.Number}, etl.Field{Name: "at", Type: etl.Time},
)

var at = time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)

func source() step.Rows {
	return step.Rows{Schema: schema, Rows: []etl.Row{
		{int64(1), `quote " comma, newline` + "\n" + `é`, 1.5, at},
		{int64(2), "", nil, nil},
	}}
}

// Rows written to a file and read back are the same rows.
func TestRoundTrip(t *testing.T) {
	for _, f := range []struct {
		name   string
		format fileio.Format
	}{{"csv", fileio.CSV}, {"jsonl", fileio.JSONL}} {
		t.Run(f.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rows."+f.name)
			if _, err := etl.New("write").Then("rows", source()).Then("file", &fileio.Sink{Path: path, Format: f.format}).Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			out := &step.Collector{}
			src := &fileio.Source{Path: path, Format: f.format, Fields: schema.Fields()}
			if _, err := etl.New("read").Then("file", src).Then("out", out).Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got, want := out.Rows(), source().Rows; !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestSourceErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, text string
		format     fileio.Format
		fields     []etl.Field
		want       string
	}{
		{"ragged csv", "a,b\n1\n", fileio.CSV, nil, "wrong number of fields"},
		{"bad integer", "a\nx\n", fileio.CSV, []etl.Field{{Name: "a", Type: etl.Integer}}, `line 2: field "a"`},
		{"not json", "{\"a\":1}\n{nope\n", fileio.JSONL, nil, "line 2"},
		{"first line not an object", "[1]\n", fileio.JSONL, nil, "not a JSON object"},
		{"empty csv", "", fileio.CSV, nil, "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.WriteFile(path, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := etl.New("read").Then("file", &fileio.Source{Path: path, Format: tt.format, Fields: tt.fields}).
				Then("out", &step.Collector{}).Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// A failed run leaves the file it would have replaced as it was.
func TestSinkIsAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	if err := os.WriteFile(path, []byte("before\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := step.Compute{Fields: []step.Computed{{Name: "x", Value: step.Func{Fields: []string{"id"}, Fn: func(a []any) (any, error) {
		if a[0] == int64(2) {
			return nil, errors.New("boom")
		}
		return nil, nil
	}}}}}
	_, err := etl.New("fail").Then("rows", source()).Then("boom", boom).Then("file", &fileio.Sink{Path: path}).Run(context.Background(), etl.WithBatchSize(1))
	if err == nil {
		t.Fatal("the run succeeded")
	}
	if data, _ := os.ReadFile(path); string(data) != "before\n" {
		t.Fatalf("file = %q", data)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
}

// The run's summary counts the rows the sink wrote; a new file gets the
// usual mode of a program's files (0666 less the umask), a replaced one
// keeps its own.
func TestSinkCountsAndMode(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	fresh, kept := filepath.Join(dir, "fresh.jsonl"), filepath.Join(dir, "kept.jsonl")
	if err := os.WriteFile(kept, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{fresh: 0o644, kept: 0o640} {
		res, err := etl.New("write").Then("rows", source()).Then("file", &fileio.Sink{Path: path, Format: fileio.JSONL}).Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if s := res.Step("file"); s.Read != 2 || s.Written != 2 {
			t.Errorf("%s: the sink's stats %+v, want 2 read and 2 written", path, s)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), mode)
		}
	}
}

// Fields named JSON are written as the values they encode; a value that
// is not JSON fails the run and leaves no file.
func TestSinkJSONFields(t *testing.T) {
	tagged := etl.MustSchema(etl.Field{Name: "id", Type: etl.Integer}, etl.Field{Name: "tags", Type: etl.String})
	for _, tt := range []struct {
		name, tags, want string
	}{
		{"an array", `["go","etl"]`, `{"id":1,"tags":["go","etl"]}` + "\n"},
		{"not JSON", `go, etl`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.jsonl")
			rows := step.Rows{Schema: tagged, Rows: []etl.Row{{int64(1), tt.tags}}}
			_, err := etl.New("json").Then("rows", rows).Then("file", &fileio.Sink{Path: path, Format: fileio.JSONL, JSON: []string{"tags"}}).Run(t.Context())
			data, _ := os.ReadFile(path)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), `field "tags": its text is not JSON`) || data != nil {
					t.Fatalf("err %v, file %q; want the field named and no file", err, data)
				}
				return
			}
			if err != nil || string(data) != tt.want {
				t.Fatalf("err %v, file %q; want %q", err, data, tt.want)
			}
		})
	}
	_, err := etl.New("json").Then("rows", source()).Then("file", &fileio.Sink{Path: filepath.Join(t.TempDir(), "x"), JSON: []string{"nope"}}).Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), `no field "nope"`) {
		t.Fatalf("a JSON field the input lacks: %v", err)
	}
}

func FuzzSource(f *testing.F) {
	for _, seed := range []string{"a,b\n1,2\n", "{\"a\":1,\"b\":{\"c\":[1]}}\n{\"a\":1e400}\n", "\"unclosed\n", "{}\n"} {
		f.Add(seed, true)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string, csv bool) {
		path := filepath.Join(dir, "in")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		format := fileio.JSONL
		if csv {
			format = fileio.CSV
		}
		out := &step.Collector{}
		_, _ = etl.New("fuzz").Then("file", &fileio.Source{Path: path, Format: format}).Then("out", out).Run(context.Background())
		for _, r := range out.Rows() {
			if len(r) != out.Schema().Len() {
				t.Fatalf("row %v for schema %s", r, out.Schema())
			}
		}
	})
}

// An unclosed quote cannot make the source read a whole file into one
// record.
func TestCSVRecordLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 1<<20) + "\n"
	f.WriteString("a\n\"")
	for range 20 {
		f.WriteString(line)
	}
	f.Close()
	_, err = etl.New("big").Then("file", &fileio.Source{Path: path}).Then("out", &step.Collector{}).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "record larger than") {
		t.Fatalf("error %v", err)
	}
}

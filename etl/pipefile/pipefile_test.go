package pipefile_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/pipefile"
)

func lookup(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       string
	}{
		{"empty", "", "empty file"},
		{"no name", "steps: [{name: a, type: pass}]", "no name"},
		{"no steps", "name: x", "no steps"},
		{"unknown key", "name: x\nsteps: [{name: a, type: pass, colour: red}]", "field colour not found"},
		{"missing variables", "name: ${A}\nsteps: [{name: \"${B}\", type: pass}]", "no value for A, B"},
		{"unquoted reference in a flow collection", "name: x\nsteps: [{name: ${B}, type: pass}]", "pipefile"},
		{"not yaml", "name: [", "pipefile"},
		{"wrong type", "name: x\nsteps: {a: 1}", "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pipefile.Parse(strings.NewReader(tt.text), lookup(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	big := "name: x\n# " + strings.Repeat("x", 5<<20)
	if _, err := pipefile.Parse(strings.NewReader(big), lookup(nil)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("oversized file: %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       string
	}{
		{"unknown type", "name: x\nsteps: [{name: a, type: teleport}]", `step 1 ("a"): unknown step type "teleport"`},
		{"unknown connection", "name: x\nsteps: [{name: a, type: query, connection: nope}]", `no connection "nope"`},
		{"bad field type", "name: x\nsteps: [{name: a, type: compute, fields: [{name: b, type: decimal}]}]", `unknown type "decimal"`},
		{"bad mode", "name: x\nconnections: {d: \"sqlite://:memory:\"}\nsteps: [{name: a, type: table, connection: d, table: t, mode: smash}]", `unknown mode "smash"`},
		{"rest without a URL", "name: x\nsteps: [{name: a, type: articles}]", "names no REST API"},
		{"bad file format", "name: x\nsteps: [{name: a, type: file_input, path: x, format: xls}]", `unknown file format "xls"`},
		{"incremental without a table", "name: x\nconnections: {d: \"sqlite://:memory:\"}\nsteps: [{name: a, type: query, connection: d, sql: SELECT 1, incremental: [id]}]", "needs a table step"},
		{"two schedules", "name: x\nschedule: {every: 1m, cron: \"@hourly\"}\nsteps: [{name: a, type: pass}]", "choose one"},
		{"bad duration", "name: x\nschedule: {every: soon}\nsteps: [{name: a, type: pass}]", "schedule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := pipefile.Parse(strings.NewReader(tt.text), lookup(nil))
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.Build(false)
			if err == nil {
				b.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// Every transform step a file can name, from a CSV file to a JSON Lines
// file.
func TestFileToFile(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.jsonl")
	csv := "id,title,author\n3,  Go  ,ada\n1,Rust,bob\n2,Zig,ada\n4,Go,cy\n5,,ada\n"
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	text := `name: files
steps:
  - {name: read, type: file_input, path: "${IN}", fields: [{name: id, type: integer}]}
  - {name: keep, type: filter, where: 'title != ""'}
  - {name: clean, type: compute, fields: [{name: title, expr: "trim(title)"}, {name: tmp, expr: "1"}], remove: [tmp]}
  - {name: teams, type: map_values, field: author, target: team, mapping: {ada: red}, default: blue}
  - {name: label, type: constants, fields: [{name: source, type: string, value: csv}]}
  - {name: dedupe, type: unique, by: [title]}
  - {name: order, type: sort, by: [-id]}
  - {name: shape, type: select, select: [{name: id}, {name: title, as: name}, {name: team}, {name: source}]}
  - {name: write, type: file_output, path: "${OUT}", format: jsonl}
`
	f, err := pipefile.Parse(strings.NewReader(text), lookup(map[string]string{"IN": in, "OUT": out}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Build(false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Schedule != (etl.Schedule{}) {
		t.Fatalf("schedule %+v, want once", b.Schedule)
	}
	if _, err := b.Pipeline.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":3,"name":"Go","team":"red","source":"csv"}
{"id":2,"name":"Zig","team":"red","source":"csv"}
{"id":1,"name":"Rust","team":"blue","source":"csv"}
`
	if string(data) != want {
		t.Fatalf("got\n%s\nwant\n%s", data, want)
	}
}

func TestSchedule(t *testing.T) {
	f, err := pipefile.Parse(strings.NewReader("name: x\nschedule: {continuous: true, pause: 250ms}\nsteps: [{name: a, type: pass}]"), lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Scheduled()
	if err != nil || s != (etl.Schedule{Continuous: true, Pause: 250 * time.Millisecond}) {
		t.Fatalf("%+v, %v", s, err)
	}
}

// No file may crash the parser or the builder.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"name: x\nsteps: [{name: a, type: pass}]",
		"name: x\nschedule: {cron: '*/5 * * * *'}\nsteps: [{name: a, type: sort, by: [-b]}, {name: b, type: lookup, lookup_keys: [{name: a}]}]\nhops: [{from: a, to: b, to_port: lookup}]",
		"name: ${X}\nsteps: [{name: a, type: constants, fields: [{name: c, type: time, value: 2026-01-01}]}]",
		"name: x\nsteps: [{name: a, type: compute, fields: [{name: c, type: integer, expr: '1 +'}]}]",
		"&a [*a, *a]", "name: !!binary AAAA",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		file, err := pipefile.Parse(strings.NewReader(text), lookup(map[string]string{"X": "y"}))
		if err != nil {
			return
		}
		if len(file.Connections) > 0 || file.REST != "" {
			return // building would open databases named by the input
		}
		for _, s := range file.Steps {
			if s.Type == "file_input" {
				return // planning would read files named by the input
			}
		}
		b, err := file.Build(false)
		if err != nil {
			return
		}
		defer b.Close()
		if err := b.Pipeline.Plan(context.Background()); err != nil && errors.Is(err, etl.ErrStepPanicked) {
			t.Fatal(err)
		}
	})
}

// A value cannot change the file's structure, and a quoted one stays text.
func TestSubstitutionIsData(t *testing.T) {
	text := "name: x\nconnections:\n  d: \"${URL}\"\nsteps:\n  - name: \"${NAME}\"\n    type: pass\n    copies: ${N}\n"
	f, err := pipefile.Parse(strings.NewReader(text), lookup(map[string]string{
		"URL": "null", "NAME": "a\"b # c\nsteps: []", "N": "2"}))
	if err != nil {
		t.Fatal(err)
	}
	if f.Connections["d"] != "null" || len(f.Steps) != 1 || f.Steps[0].Name != "a\"b # c\nsteps: []" || f.Steps[0].Copies != 2 {
		t.Fatalf("%+v", f)
	}
}

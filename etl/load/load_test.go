package load_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/load"
	"github.com/articlekit/articlekit/etl/step"
)

// files writes files, their text by name, into a new directory and
// returns its path.
func files(t *testing.T, texts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range texts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// copyFile is a YAML pipeline that copies ${IN} to ${OUT}.
const copyFile = `name: copy
steps:
  - {name: read, type: file_input, path: "${IN}"}
  - {name: write, type: file_output, path: "${OUT}", format: jsonl}
`

// A YAML file reads the environment; a dry run writes nothing.
func TestYAML(t *testing.T) {
	dir := files(t, map[string]string{"in.csv": "id,title\n1,Go\n", "copy.yaml": copyFile})
	out, path := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "copy.yaml")
	t.Setenv("IN", filepath.Join(dir, "in.csv"))
	t.Setenv("OUT", out)
	for _, dryRun := range []bool{true, false} {
		var opts []load.Option
		if dryRun {
			opts = append(opts, load.DryRun())
		}
		b, err := load.File(path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.Pipeline.Run(context.Background())
		b.Close()
		if err != nil || res.Step("write").Read != 1 {
			t.Fatalf("dry run %v: %v, %+v", dryRun, err, res.Step("write"))
		}
		if _, err := os.Stat(out); os.IsNotExist(err) != dryRun {
			t.Fatalf("dry run %v: the output file exists: %v", dryRun, !os.IsNotExist(err))
		}
	}
}

// greeting is a transformation whose one row greets with its GREETING
// parameter.
const greeting = `<transformation>
  <info><name>greeting</name><parameters><parameter><name>GREETING</name><default_value>hello</default_value></parameter></parameters></info>
  <step><name>Row</name><type>RowGenerator</type><limit>1</limit>
    <fields><field><name>greeting</name><type>String</type><nullif>${GREETING}</nullif></field></fields>
  </step>
</transformation>`

// A .ktr file, whatever the case of its extension, takes its variables
// from its defaults, the environment and the params file, in increasing
// priority.
func TestKettle(t *testing.T) {
	dir := files(t, map[string]string{"greeting.KTR": greeting, "greeting.properties": "GREETING=hi\n"})
	path, params := filepath.Join(dir, "greeting.KTR"), filepath.Join(dir, "greeting.properties")
	tests := []struct {
		name string
		env  string
		opts []load.Option
		want string
	}{
		{"default", "", nil, "hello"},
		{"environment", "hey", nil, "hey"},
		{"params file", "hey", []load.Option{load.Params(params)}, "hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GREETING", tt.env)
			if tt.env == "" {
				os.Unsetenv("GREETING") // restored by Setenv's cleanup
			}
			b, err := load.File(path, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			out := &step.Collector{}
			b.Pipeline.Add("out", out).Connect(etl.Hop{From: "Row", To: "out"})
			if _, err := b.Pipeline.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if rows := out.Rows(); len(rows) != 1 || rows[0][0] != tt.want {
				t.Fatalf("rows %v, want [[%s]]", rows, tt.want)
			}
		})
	}
	if _, err := load.File(path, load.Params(filepath.Join(dir, "nope.properties"))); err == nil {
		t.Fatal("a missing params file loaded")
	}
}

// Provided files run under etl.Module from start to stop; a file that does
// not load fails the application, naming it.
func TestProvide(t *testing.T) {
	dir := files(t, map[string]string{"in.csv": "id,title\n1,Go\n", "copy.yaml": copyFile})
	path := filepath.Join(dir, "copy.yaml")
	t.Setenv("IN", filepath.Join(dir, "in.csv"))
	t.Setenv("OUT", filepath.Join(dir, "out.jsonl"))
	app := fxtest.New(t, fx.Supply(zap.NewNop()), etl.Module, load.Provide(path))
	app.RequireStart()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(os.Getenv("OUT")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the provided pipeline did not run")
		}
	}
	app.RequireStop()

	missing := filepath.Join(dir, "missing.yaml")
	err := fx.New(fx.NopLogger, fx.Supply(zap.NewNop()), etl.Module, load.Provide(path, missing)).Err()
	if err == nil || !strings.Contains(err.Error(), "pipeline file "+missing) {
		t.Fatalf("fx.New = %v, want an error naming %s", err, missing)
	}
}

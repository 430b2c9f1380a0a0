package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const cfg = `
upstreams:
  rest: {targets: [{url: "http://127.0.0.1:5000"}]}
routes:
  - {name: list, methods: [GET], path: /articles, upstream: rest, auth: [anonymous]}
`

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(string) string { return "" }
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"synapse", "-config", file}, &out, &errs, env); code != 0 || !strings.Contains(out.String(), `<api xmlns="http://ws.apache.org/ns/synapse" name="Articles" context="/articles">`) {
		t.Fatalf("synapse: %d %s %s", code, out.String(), errs.String())
	}
	out.Reset()
	project := filepath.Join(dir, "project")
	if code := run(context.Background(), []string{"apictl", "-config", file, "-out", project}, &out, &errs, env); code != 0 {
		t.Fatalf("apictl: %d %s", code, errs.String())
	}
	if _, err := os.Stat(filepath.Join(project, "Definitions", "swagger.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"explode"}, {"apictl", "-config", file}} {
		if code := run(context.Background(), args, &out, &errs, env); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code := run(context.Background(), []string{"synapse", "-config", filepath.Join(dir, "nope.yaml")}, &out, &errs, env); code != 1 {
		t.Errorf("missing config: exit %d", code)
	}
	// publish against nothing listening fails cleanly.
	if code := run(context.Background(), []string{"publish", "-url", "http://127.0.0.1:1"}, &out, &errs, env); code != 1 {
		t.Errorf("publish to nothing: exit %d", code)
	}
}

// -h and --help print the usage and exit 0.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"synapse", "-h"}, {"publish", "--help"}} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), args, &out, &errs, func(string) string { return "" }); code != 0 || errs.Len() == 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errs.String())
		}
	}
}

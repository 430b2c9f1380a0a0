package playground

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// package.json pins exact versions, which name the embedded files'
// directories, and assets/SOURCES, written by update.mjs, lists each file
// with the hash the page checks it against.
func TestAssetsAreThePinnedOnes(t *testing.T) {
	raw, err := os.ReadFile("package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct{ Dependencies map[string]string }
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	exact := regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	for name, version := range pkg.Dependencies {
		if !exact.MatchString(version) {
			t.Errorf("package.json: %s %q, want an exact version", name, version)
		}
	}
	sources, err := os.ReadFile("assets/SOURCES")
	if err != nil {
		t.Fatal(err)
	}
	assets, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if len(assets) != 4 {
		t.Fatalf("%d files, want 4", len(assets))
	}
	for f, a := range assets {
		if !strings.HasPrefix(a.name, f.pkg+"@"+pkg.Dependencies[f.pkg]+"/") {
			t.Errorf("%s: not in the directory of %s@%s", a.name, f.pkg, pkg.Dependencies[f.pkg])
		}
		if line := "  " + f.path + " " + a.sri + "\n"; !strings.Contains(string(sources), line) {
			t.Errorf("assets/SOURCES lacks %q: run update.mjs", line)
		}
	}
}

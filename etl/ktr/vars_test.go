package ktr

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExpand(t *testing.T) {
	vars := Variables{"A": "1", "B": "two", "EMPTY": "", "SELF": "${SELF}", "LOOP1": "%%LOOP2%%", "LOOP2": "${LOOP1}", "x.y": "dotted"}
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"${A}", "1"},
		{"%%A%%", "1"},
		{"x${A}y%%B%%z", "x1ytwoz"},
		{"${A}${A}%%A%%%%B%%", "111two"},
		{"${EMPTY}|", "|"},
		{"${x.y}", "dotted"},
		{"${NOPE} and %%NOPE%%", "${NOPE} and %%NOPE%%"},
		{"${} %%%%", "${} %%%%"},
		{"${A", "${A"},
		{"%%A", "%%A"},
		{"$A {A} %A%", "$A {A} %A%"},
		{"$[41]", "$[41]"},
		{"${SELF}", "${SELF}"},    // not expanded again
		{"${LOOP1}", "%%LOOP2%%"}, // nor here
		{"${${A}}", "${${A}}"},    // the name is "${A"
		{"100%% of ${B}", "100%% of two"},
	}
	for _, tt := range tests {
		if got := vars.Expand(tt.in); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExpandIsLinear(t *testing.T) {
	// Openers without closers must not be searched for again and again.
	s := strings.Repeat("${%%A%%", 200_000)
	start := time.Now()
	got := Variables{"A": "a"}.Expand(s)
	if want := strings.Repeat("${a", 200_000); got != want {
		t.Fatalf("Expand gave %d bytes, want %d", len(got), len(want))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Expand of %d bytes took %v", len(s), d)
	}
}

func TestMissing(t *testing.T) {
	vars := Variables{"A": "1", "EMPTY": ""}
	got := vars.missing("${A} ${X} %%Y%% ${EMPTY} ${X} %%A%% ${Z")
	if want := []string{"X", "Y"}; !slices.Equal(got, want) {
		t.Errorf("Missing = %q, want %q", got, want)
	}
	if got := vars.missing("nothing here"); got != nil {
		t.Errorf("Missing = %q, want nil", got)
	}
}

func TestResolveVariables(t *testing.T) {
	tr := &Transformation{Parameters: []Parameter{
		{Name: "YEAR", Default: "2020"}, {Name: "TABLE", Default: "articles"}, {Name: "LIMIT", Default: "10"},
	}}
	environ := []string{"YEAR=2023", "HOME=/root", "=C:=C:\\", "BROKEN", "EQ=a=b"}
	params := "\ufeff# comment\n  ! another comment\n\nLIMIT = 5\nTITLE: Hello, world  \r\nEMPTY=\n"
	vars, err := ResolveVariables(tr, environ, strings.NewReader(params))
	if err != nil {
		t.Fatal(err)
	}
	want := Variables{
		"YEAR": "2023", "TABLE": "articles", "LIMIT": "5", "HOME": "/root", "EQ": "a=b",
		"TITLE": "Hello, world  ", "EMPTY": "",
	}
	if !maps.Equal(vars, want) {
		t.Errorf("ResolveVariables =\n %q\nwant\n %q", vars, want)
	}

	vars, err = ResolveVariables(nil, nil, nil)
	if err != nil || len(vars) != 0 {
		t.Errorf("ResolveVariables(nil, nil, nil) = %v, %v", vars, err)
	}

	for params, want := range map[string]string{
		"OK=1\nno separator here\n": "params line 2",
		"=value\n":                  "params line 1: empty name",
		strings.Repeat("x", 2<<20):  "read params",
	} {
		if _, err := ResolveVariables(tr, nil, strings.NewReader(params)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ResolveVariables(%.20q…) = %v, want an error containing %q", params, err, want)
		}
	}
}

package graphqlapi

import (
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestDepthMeter(t *testing.T) {
	// A chain of fragments, each spreading the next twice: followed
	// path by path, 2^40 visits.
	var chain strings.Builder
	chain.WriteString("{ ...F0 }")
	for i := range 40 {
		chain.WriteString(" fragment F" + strconv.Itoa(i) + " on T { a { ...F" + strconv.Itoa(i+1) + " } b { ...F" + strconv.Itoa(i+1) + " } }")
	}
	chain.WriteString(" fragment F40 on T { leaf }")
	tests := []struct {
		query string
		want  int
	}{
		{`{ a }`, 1},
		{`{ a { b { c } } d }`, 3},
		{`{ a { ... on T { b { c } } } }`, 3},
		{`{ a { ...F } } fragment F on T { b { c { d } } }`, 4},
		{`{ a { ...F } b { c { ...F } } } fragment F on T { x { y } }`, 4},
		{`{ __schema { types { fields { type { ofType { ofType { name } } } } } } }`, 1},
		{`{ a { __type(name: "T") { ofType { ofType { name } } } } }`, 2},
		{`{ a { ...A } } fragment A on T { b { ...B } } fragment B on T { c { ...A } }`, 3}, // a cycle: validation refuses it first
		{`{ ...Missing }`, 0},
		{chain.String(), 41},
	}
	for _, tt := range tests {
		doc, err := parser.ParseQuery(&ast.Source{Input: tt.query})
		if err != nil {
			t.Fatalf("%s: %v", tt.query, err)
		}
		for _, f := range doc.Fragments {
			linkSpreads(doc, f.SelectionSet)
		}
		linkSpreads(doc, doc.Operations[0].SelectionSet)
		if got := (depthMeter{}).depth(doc.Operations[0].SelectionSet); got != tt.want {
			t.Errorf("depth of %.60s = %d, want %d", tt.query, got, tt.want)
		}
	}
}

// linkSpreads points the fragment spreads in set at their definitions, as
// validation does.
func linkSpreads(doc *ast.QueryDocument, set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			linkSpreads(doc, sel.SelectionSet)
		case *ast.InlineFragment:
			linkSpreads(doc, sel.SelectionSet)
		case *ast.FragmentSpread:
			sel.Definition = doc.Fragments.ForName(sel.Name)
		}
	}
}

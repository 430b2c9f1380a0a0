package ktr

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/step"
)

// condition is a FilterRows condition as an step.Expression, evaluated as
// Kettle does: sub-conditions left to right without precedence, negation
// last, nulls lowest in comparisons.
type conditionExpr struct{ c *condition }

// Bind compiles the condition against the rows' schema: every field it
// names must exist, every constant and pattern must parse.
func (k conditionExpr) Bind(in *etl.Schema) (step.Evaluator, error) {
	test, err := compile(k.c, in)
	if err != nil {
		return nil, err
	}
	return func(r etl.Row) (any, error) { return test(r) }, nil
}

type test func(etl.Row) (bool, error)

func compile(c *condition, in *etl.Schema) (test, error) {
	if c == nil {
		return func(etl.Row) (bool, error) { return true, nil }, nil
	}
	var t test
	var err error
	if len(c.Conditions) > 0 {
		t, err = compileGroup(c.Conditions, in)
	} else {
		t, err = compileAtom(c, in)
	}
	if err != nil || !c.Negate {
		return t, err
	}
	return func(r etl.Row) (bool, error) {
		ok, err := t(r)
		return !ok, err
	}, nil
}

func compileGroup(subs []*condition, in *etl.Schema) (test, error) {
	tests := make([]test, len(subs))
	for i, sub := range subs {
		t, err := compile(sub, in)
		if err != nil {
			return nil, err
		}
		tests[i] = t
	}
	return func(r etl.Row) (bool, error) {
		var result bool
		for i, t := range tests {
			ok, err := t(r)
			if err != nil {
				return false, err
			}
			switch subs[i].Operator {
			case "":
				result = ok
			case "AND":
				result = result && ok
			case "OR":
				result = result || ok
			case "AND NOT":
				result = result && !ok
			case "OR NOT":
				result = result || !ok
			case "XOR":
				result = result != ok
			}
		}
		return result, nil
	}, nil
}

func compileAtom(c *condition, in *etl.Schema) (test, error) {
	if c.Function == "TRUE" || c.LeftValue == "" && c.Function == "" {
		return func(etl.Row) (bool, error) { return true, nil }, nil
	}
	left, ok := in.Index(c.LeftValue)
	if !ok {
		return nil, fmt.Errorf("condition: no field %q (the input has %s)", c.LeftValue, strings.Join(in.Names(), ", "))
	}
	leftType := in.Field(left).Type
	right := func(etl.Row) any { return nil }
	rightText := ""
	switch {
	case c.RightValue != "":
		j, ok := in.Index(c.RightValue)
		if !ok {
			return nil, fmt.Errorf("condition: no field %q", c.RightValue)
		}
		right = func(r etl.Row) any { return r[j] }
	case c.RightExact != nil && !bool(c.RightExact.IsNull):
		e := c.RightExact
		rightText = e.Text
		v, err := parseValue(e.Text, e.Type, e.Mask, "", "", true)
		if err == nil && slices.Contains([]string{"=", "<>", "<", "<=", ">", ">="}, c.Function) {
			v, err = asType(v, leftType)
		}
		if err != nil {
			return nil, fmt.Errorf("condition on %q: constant %q: %w", c.LeftValue, e.Text, err)
		}
		right = func(etl.Row) any { return v }
	}
	cmp := func(want func(int) bool) test {
		return func(r etl.Row) (bool, error) { return want(etl.Compare(r[left], right(r), false)), nil }
	}
	text := func(match func(s, pattern string) bool) test {
		return func(r etl.Row) (bool, error) {
			if r[left] == nil {
				return false, nil
			}
			return match(etl.Text(r[left], ""), etl.Text(right(r), "")), nil
		}
	}
	switch c.Function {
	case "=":
		return cmp(func(c int) bool { return c == 0 }), nil
	case "<>":
		return cmp(func(c int) bool { return c != 0 }), nil
	case "<":
		return cmp(func(c int) bool { return c < 0 }), nil
	case "<=":
		return cmp(func(c int) bool { return c <= 0 }), nil
	case ">":
		return cmp(func(c int) bool { return c > 0 }), nil
	case ">=":
		return cmp(func(c int) bool { return c >= 0 }), nil
	case "IS NULL":
		return func(r etl.Row) (bool, error) { return r[left] == nil, nil }, nil
	case "IS NOT NULL":
		return func(r etl.Row) (bool, error) { return r[left] != nil, nil }, nil
	case "CONTAINS":
		return text(strings.Contains), nil
	case "STARTS WITH":
		return text(strings.HasPrefix), nil
	case "ENDS WITH":
		return text(strings.HasSuffix), nil
	case "IN LIST":
		var items []any
		for _, item := range strings.Split(rightText, ";") {
			v, err := asType(item, leftType)
			if err != nil {
				return nil, fmt.Errorf("condition on %q: list item %q: %w", c.LeftValue, item, err)
			}
			items = append(items, v)
		}
		return func(r etl.Row) (bool, error) {
			if r[left] == nil {
				return false, nil
			}
			for _, item := range items {
				if etl.Compare(r[left], item, false) == 0 {
					return true, nil
				}
			}
			return false, nil
		}, nil
	case "REGEXP", "LIKE":
		pattern := rightText
		if c.Function == "LIKE" {
			pattern = likePattern(pattern)
		}
		if c.RightValue != "" {
			return nil, fmt.Errorf("condition on %q: %s takes a constant pattern", c.LeftValue, c.Function)
		}
		re, err := regexp.Compile(`^(?:` + pattern + `)$`)
		if err != nil {
			return nil, fmt.Errorf("condition on %q: pattern %q: %w", c.LeftValue, rightText, err)
		}
		return text(func(s, _ string) bool { return re.MatchString(s) }), nil
	}
	return nil, fmt.Errorf("condition on %q: function %q is not supported", c.LeftValue, c.Function)
}

// asType converts a constant to the type of the field it is compared
// with, as Kettle does; numbers compare with numbers as they are.
func asType(v any, t etl.Type) (any, error) {
	vt := etl.TypeOf(v)
	numeric := func(t etl.Type) bool { return t == etl.Integer || t == etl.Number }
	if v == nil || t == etl.Any || vt == t || numeric(vt) && numeric(t) {
		return v, nil
	}
	return etl.Convert(v, t, "")
}

// likePattern turns a LIKE pattern (% and ? wildcards) into a regular
// expression, quoting everything else.
func likePattern(like string) string {
	var b strings.Builder
	for _, r := range like {
		switch r {
		case '%':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

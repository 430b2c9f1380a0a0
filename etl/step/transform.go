package step

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/articlekit/articlekit/etl"
)

// planMain returns the main input's schema, or an error when the step has
// none.
func planMain(in etl.Schemas) (*etl.Schema, error) {
	s, ok := in[etl.Main]
	if !ok {
		return nil, errors.New("no input: join a step to it")
	}
	return s, nil
}

// clip quotes a value for an error message, shortened.
func clip(v any) string {
	s := etl.Text(v, "")
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// Pass lets rows through unchanged (Kettle's Dummy): a place to join or
// split streams.
type Pass struct{}

// Plan passes the input's schema on.
func (Pass) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	s, err := planMain(in)
	if err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: s}, nil
}

// Run passes the rows on.
func (Pass) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	o := out.Port(etl.Main)
	return etl.EachRow(ctx, in, out, func(r etl.Row) error { return o.Emit(ctx, r) })
}

// Concurrent marks Pass as safe to run in copies.
func (Pass) Concurrent() {}

// Filter sends the rows for which Where is true to its main output and the
// others (false or null) to its Unmatched output.
type Filter struct {
	Where Expression
}

// Unmatched is the port of the rows a Filter does not keep.
const Unmatched = "false"

// Plan checks the condition against the input.
func (f Filter) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	s, err := planMain(in)
	if err != nil {
		return nil, err
	}
	if _, err := f.Where.Bind(s); err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: s, Unmatched: s}, nil
}

// Run splits the rows.
func (f Filter) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	eval, err := f.Where.Bind(in[etl.Main].Schema)
	if err != nil {
		return err
	}
	yes, no := out.Port(etl.Main), out.Port(Unmatched)
	return etl.EachRow(ctx, in, out, func(r etl.Row) error {
		v, err := eval(r)
		if err != nil {
			return err
		}
		switch v {
		case true:
			return yes.Emit(ctx, r)
		case false, nil:
			return no.Emit(ctx, r)
		}
		return fmt.Errorf("filter condition gave %T %v, not a boolean", v, clip(v))
	})
}

// Concurrent marks Filter as safe to run in copies.
func (Filter) Concurrent() {}

// Computed is one field a Compute step sets.
type Computed struct {
	Name string
	// Type converts the value (Any: keep what the expression gives).
	Type  etl.Type
	Value Expression
	// Layout formats or parses times converted to or from text.
	Layout string
}

// Compute sets fields from expressions, in order, so that a later one can
// use an earlier one: a field that exists is replaced, a new one appended.
type Compute struct {
	Fields []Computed
	// Remove drops fields afterwards (Kettle's Calculator "remove" flag, for
	// temporary fields).
	Remove []string
}

type computePlan struct {
	out   *etl.Schema
	slots []int // where each computed field goes in the widened row
	keep  []int // the widened row's positions the output keeps
	width int
	steps []*etl.Schema
}

func (c Compute) plan(in *etl.Schema) (*computePlan, error) {
	p := &computePlan{}
	fields := in.Fields()
	index := map[string]int{}
	for i, f := range fields {
		index[f.Name] = i
	}
	for _, f := range c.Fields {
		cur, err := etl.NewSchema(fields...)
		if err != nil {
			return nil, err
		}
		p.steps = append(p.steps, cur)
		if _, err := f.Value.Bind(cur); err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		slot, ok := index[f.Name]
		if !ok {
			slot = len(fields)
			index[f.Name] = slot
			fields = append(fields, etl.Field{Name: f.Name})
		}
		fields[slot].Type = f.Type
		p.slots = append(p.slots, slot)
	}
	p.width = len(fields)
	removed := map[string]bool{}
	for _, name := range c.Remove {
		if _, ok := index[name]; !ok {
			return nil, fmt.Errorf("cannot remove %q: no such field", name)
		}
		removed[name] = true
	}
	var kept []etl.Field
	for i, f := range fields {
		if !removed[f.Name] {
			kept = append(kept, f)
			p.keep = append(p.keep, i)
		}
	}
	var err error
	p.out, err = etl.NewSchema(kept...)
	return p, err
}

// Plan checks every expression against the fields before it.
func (c Compute) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	s, err := planMain(in)
	if err != nil {
		return nil, err
	}
	p, err := c.plan(s)
	if err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: p.out}, nil
}

// Run computes the fields of every row.
func (c Compute) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	p, err := c.plan(in[etl.Main].Schema)
	if err != nil {
		return err
	}
	evals := make([]Evaluator, len(c.Fields))
	for i, f := range c.Fields {
		if evals[i], err = f.Value.Bind(p.steps[i]); err != nil {
			return err
		}
	}
	o := out.Port(etl.Main)
	trim := len(p.keep) != p.width
	return etl.EachRow(ctx, in, out, func(r etl.Row) error {
		wide := make(etl.Row, p.width)
		copy(wide, r)
		for i, f := range c.Fields {
			v, err := evals[i](wide)
			if err == nil {
				v, err = etl.Convert(v, f.Type, f.Layout)
			}
			if err != nil {
				return fmt.Errorf("field %q: %w", f.Name, err)
			}
			wide[p.slots[i]] = v
		}
		if trim {
			kept := make(etl.Row, len(p.keep))
			for i, j := range p.keep {
				kept[i] = wide[j]
			}
			wide = kept
		}
		return o.Emit(ctx, wide)
	})
}

// Concurrent marks Compute as safe to run in copies.
func (Compute) Concurrent() {}

// Constant is a field with the same value on every row.
type Constant struct {
	Name  string
	Type  etl.Type
	Value any // nil, or a value of Type
}

// Constants appends constant fields to every row (Kettle's Add constants).
type Constants []Constant

// Plan appends the fields to the input's.
func (c Constants) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	s, err := planMain(in)
	if err != nil {
		return nil, err
	}
	fields := make([]etl.Field, len(c))
	for i, k := range c {
		if k.Value != nil && etl.TypeOf(k.Value) != k.Type && k.Type != etl.Any {
			return nil, fmt.Errorf("constant %q: %T value for a %s field", k.Name, k.Value, k.Type)
		}
		fields[i] = etl.Field{Name: k.Name, Type: k.Type}
	}
	out, err := s.Append(fields...)
	if err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: out}, nil
}

// Run appends the values.
func (c Constants) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	o := out.Port(etl.Main)
	return etl.EachRow(ctx, in, out, func(r etl.Row) error {
		wide := make(etl.Row, len(r), len(r)+len(c))
		copy(wide, r)
		for _, k := range c {
			wide = append(wide, k.Value)
		}
		return o.Emit(ctx, wide)
	})
}

// Concurrent marks Constants as safe to run in copies.
func (Constants) Concurrent() {}

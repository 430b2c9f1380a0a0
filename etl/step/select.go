package step

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/articlekit/articlekit/etl"
)

// Select picks, renames, removes and retypes fields (Kettle's Select
// values), in that order.
type Select struct {
	// Fields, when any, are the fields kept, in this order; a field may be
	// picked twice under two names.
	Fields []Pick
	// Unspecified keeps the fields not picked too, after the picked ones,
	// in input order or, with UnspecifiedByName, in name order (Kettle's).
	Unspecified       bool
	UnspecifiedByName bool
	// Remove drops fields.
	Remove []string
	// Retype renames fields and converts their values.
	Retype []Retype
}

// Pick is a field a Select keeps, under a new name when Rename is set.
type Pick struct{ Name, Rename string }

// Retype renames a field and converts its values to Type (Any: keep them).
type Retype struct {
	Name, Rename string
	Type         etl.Type
	// Layout formats or parses times converted to or from text.
	Layout string
}

type selectPlan struct {
	out    *etl.Schema
	from   []int // source position of each output field
	retype map[int]Retype
}

func (s Select) plan(in *etl.Schema) (*selectPlan, error) {
	var fields []etl.Field
	var from []int
	if len(s.Fields) == 0 {
		fields, from = in.Fields(), make([]int, in.Len())
		for i := range from {
			from[i] = i
		}
	} else {
		picked := map[string]bool{}
		for _, p := range s.Fields {
			i, ok := in.Index(p.Name)
			if !ok {
				return nil, fmt.Errorf("cannot select %q: %w", p.Name, &etl.MissingFieldsError{Fields: []string{fmt.Sprintf("%q", p.Name)}, Have: in.Names()})
			}
			f := in.Field(i)
			if p.Rename != "" {
				f.Name = p.Rename
			}
			fields, from, picked[p.Name] = append(fields, f), append(from, i), true
		}
		if s.Unspecified {
			var rest []int
			for i, f := range in.Fields() {
				if !picked[f.Name] {
					rest = append(rest, i)
				}
			}
			if s.UnspecifiedByName {
				slices.SortStableFunc(rest, func(a, b int) int { return strings.Compare(in.Field(a).Name, in.Field(b).Name) })
			}
			for _, i := range rest {
				fields, from = append(fields, in.Field(i)), append(from, i)
			}
		}
	}
	for _, name := range s.Remove {
		i := indexOf(fields, name)
		if i < 0 {
			return nil, fmt.Errorf("cannot remove %q: no such field", name)
		}
		fields, from = append(fields[:i:i], fields[i+1:]...), append(from[:i:i], from[i+1:]...)
	}
	retype := map[int]Retype{}
	for _, r := range s.Retype {
		i := indexOf(fields, r.Name)
		if i < 0 {
			return nil, fmt.Errorf("cannot change %q: no such field", r.Name)
		}
		if r.Rename != "" {
			fields[i].Name = r.Rename
		}
		if r.Type != etl.Any {
			fields[i].Type = r.Type
		}
		retype[i] = r
	}
	out, err := etl.NewSchema(fields...)
	if err != nil {
		return nil, err
	}
	return &selectPlan{out: out, from: from, retype: retype}, nil
}

func indexOf(fields []etl.Field, name string) int {
	for i, f := range fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Plan checks every field named exists.
func (s Select) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	main, err := planMain(in)
	if err != nil {
		return nil, err
	}
	p, err := s.plan(main)
	if err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: p.out}, nil
}

// Run reshapes every row.
func (s Select) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	p, err := s.plan(in[etl.Main].Schema)
	if err != nil {
		return err
	}
	o := out.Port(etl.Main)
	return etl.EachRow(ctx, in, out, func(r etl.Row) error {
		row := make(etl.Row, len(p.from))
		for i, j := range p.from {
			row[i] = r[j]
		}
		for i, rt := range p.retype {
			v, err := etl.Convert(row[i], rt.Type, rt.Layout)
			if err != nil {
				return fmt.Errorf("field %q: %w", rt.Name, err)
			}
			row[i] = v
		}
		return o.Emit(ctx, row)
	})
}

// Concurrent marks Select as safe to run in copies.
func (Select) Concurrent() {}

// MapValues replaces the values of a field by a table (Kettle's Value
// mapper): into Target when set, a new text field, otherwise in place.
type MapValues struct {
	Field, Target string
	Mapping       map[string]string
	// Default replaces a value the table does not know; nil keeps it (in
	// place) or leaves Target null.
	Default *string
	// Null, when set, is what a null value maps to.
	Null *string
}

func (m MapValues) plan(in *etl.Schema) (*etl.Schema, int, int, error) {
	src, ok := in.Index(m.Field)
	if !ok {
		return nil, 0, 0, fmt.Errorf("no field %q to map", m.Field)
	}
	if m.Target == "" || m.Target == m.Field {
		fields := in.Fields()
		fields[src].Type = etl.String
		out, err := etl.NewSchema(fields...)
		return out, src, src, err
	}
	out, err := in.Append(etl.Field{Name: m.Target, Type: etl.String})
	return out, src, in.Len(), err
}

// Plan checks the field exists.
func (m MapValues) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	main, err := planMain(in)
	if err != nil {
		return nil, err
	}
	out, _, _, err := m.plan(main)
	if err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: out}, nil
}

// Run maps every row's value.
func (m MapValues) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	schema, src, dst, err := m.plan(in[etl.Main].Schema)
	if err != nil {
		return err
	}
	o := out.Port(etl.Main)
	inPlace := src == dst
	return etl.EachRow(ctx, in, out, func(r etl.Row) error {
		row := make(etl.Row, schema.Len())
		copy(row, r)
		v := r[src]
		var mapped any
		switch to, ok := m.Mapping[etl.Text(v, "")]; {
		case v == nil && m.Null != nil:
			mapped = *m.Null
		case v != nil && ok:
			mapped = to
		case m.Default != nil:
			mapped = *m.Default
		case inPlace && v != nil:
			mapped = etl.Text(v, "")
		}
		row[dst] = mapped
		return o.Emit(ctx, row)
	})
}

// Concurrent marks MapValues as safe to run in copies.
func (MapValues) Concurrent() {}

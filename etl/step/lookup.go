package step

import (
	"context"
	"errors"
	"fmt"

	"github.com/articlekit/articlekit/etl"
)

// LookupPort is the input of a Lookup step's lookup rows.
const LookupPort = "lookup"

// LookupKey pairs a field of the main rows with a field of the lookup rows.
type LookupKey struct{ Field, LookupField string }

// LookupValue is a field of the lookup rows to add to the main rows.
type LookupValue struct {
	LookupField string
	// Rename names the added field (LookupField when empty).
	Rename string
	// Default is the value when no lookup row matches (nil: null).
	Default any
}

// Lookup adds fields of matching lookup rows to the main rows (Kettle's
// Stream lookup): it reads its LookupPort input to the end first, keeping
// it in memory, then streams the main input. When several lookup rows share
// a key, the last one wins.
type Lookup struct {
	Keys   []LookupKey
	Values []LookupValue
}

type lookupPlan struct {
	out         *etl.Schema
	keys, lkeys []int
	values      []int
	defaults    etl.Row
}

func (l Lookup) plan(in etl.Schemas) (*lookupPlan, error) {
	main, err := planMain(in)
	if err != nil {
		return nil, err
	}
	look, ok := in[LookupPort]
	if !ok {
		return nil, errors.New("no lookup input: join a step to its \"lookup\" port")
	}
	if len(l.Keys) == 0 {
		return nil, errors.New("lookup: no keys")
	}
	p := &lookupPlan{}
	for _, k := range l.Keys {
		i, ok := main.Index(k.Field)
		if !ok {
			return nil, fmt.Errorf("lookup key: no field %q in the main input", k.Field)
		}
		j, ok := look.Index(k.LookupField)
		if !ok {
			return nil, fmt.Errorf("lookup key: no field %q in the lookup input", k.LookupField)
		}
		p.keys, p.lkeys = append(p.keys, i), append(p.lkeys, j)
	}
	var added []etl.Field
	for _, v := range l.Values {
		j, ok := look.Index(v.LookupField)
		if !ok {
			return nil, fmt.Errorf("lookup value: no field %q in the lookup input", v.LookupField)
		}
		f := look.Field(j)
		if v.Rename != "" {
			f.Name = v.Rename
		}
		added = append(added, f)
		p.values = append(p.values, j)
		p.defaults = append(p.defaults, v.Default)
	}
	if p.out, err = main.Append(added...); err != nil {
		return nil, err
	}
	return p, nil
}

// FirstInput is the lookup port: it is read to the end first.
func (Lookup) FirstInput() string { return LookupPort }

// Plan checks the keys and values exist.
func (l Lookup) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	p, err := l.plan(in)
	if err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: p.out}, nil
}

// Run loads the lookup rows, then joins the main rows to them.
func (l Lookup) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	p, err := l.plan(etl.Schemas{etl.Main: in[etl.Main].Schema, LookupPort: in[LookupPort].Schema})
	if err != nil {
		return err
	}
	table := map[string]etl.Row{}
	var buf []byte
	if err := in[LookupPort].Each(ctx, func(r etl.Row) error {
		buf = etl.AppendKey(buf[:0], r, p.lkeys)
		vals := make(etl.Row, len(p.values))
		for i, j := range p.values {
			vals[i] = r[j]
		}
		table[string(buf)] = vals
		return nil
	}); err != nil {
		return err
	}
	o := out.Port(etl.Main)
	return etl.EachRow(ctx, in, out, func(r etl.Row) error {
		buf = etl.AppendKey(buf[:0], r, p.keys)
		vals, ok := table[string(buf)]
		if !ok {
			vals = p.defaults
		}
		row := make(etl.Row, 0, len(r)+len(vals))
		return o.Emit(ctx, append(append(row, r...), vals...))
	})
}

package etl

import (
	"context"
	"fmt"
	"slices"
)

// SortKey is a field rows are sorted by.
type SortKey struct {
	Field      string
	Descending bool
	// IgnoreCase compares text without regard to case.
	IgnoreCase bool
}

// Sort orders the rows by its keys (Kettle's Sort rows), keeping the input
// order of rows that compare equal. It holds every row in memory.
type Sort struct {
	Keys []SortKey
	// Unique passes only the first of rows with equal keys.
	Unique bool
}

// Plan checks the keys exist.
func (s Sort) Plan(_ context.Context, in Schemas) (Schemas, error) {
	main, err := planMain(in)
	if err != nil {
		return nil, err
	}
	if _, err := s.index(main); err != nil {
		return nil, err
	}
	return Schemas{Main: main}, nil
}

func (s Sort) index(in *Schema) ([]int, error) {
	if len(s.Keys) == 0 {
		return nil, fmt.Errorf("sort: no keys")
	}
	names := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		names[i] = k.Field
	}
	return in.Require(names...)
}

// Run reads every row, then emits them in order.
func (s Sort) Run(ctx context.Context, in Inputs, out Outputs) error {
	idx, err := s.index(in[Main].Schema)
	if err != nil {
		return err
	}
	var rows []Row
	if err := in[Main].Each(ctx, func(r Row) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		return err
	}
	compare := func(a, b Row) int {
		for i, k := range s.Keys {
			c := Compare(a[idx[i]], b[idx[i]], k.IgnoreCase)
			if k.Descending {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}
	slices.SortStableFunc(rows, compare)
	o := out.Port(Main)
	for i, r := range rows {
		if s.Unique && i > 0 && compare(rows[i-1], r) == 0 {
			continue
		}
		if err := o.Emit(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// Unique passes only the first row of each distinct combination of Fields
// (every field when empty), in any order of input. It remembers every
// combination it has seen.
type Unique struct {
	Fields []string
}

func (u Unique) index(in *Schema) ([]int, error) {
	if len(u.Fields) == 0 {
		return in.Require(in.Names()...)
	}
	return in.Require(u.Fields...)
}

// Plan checks the fields exist.
func (u Unique) Plan(_ context.Context, in Schemas) (Schemas, error) {
	main, err := planMain(in)
	if err != nil {
		return nil, err
	}
	if _, err := u.index(main); err != nil {
		return nil, err
	}
	return Schemas{Main: main}, nil
}

// Run drops the rows seen before.
func (u Unique) Run(ctx context.Context, in Inputs, out Outputs) error {
	idx, err := u.index(in[Main].Schema)
	if err != nil {
		return err
	}
	seen := map[string]struct{}{}
	var buf []byte
	o := out.Port(Main)
	return EachRow(ctx, in, out, func(r Row) error {
		buf = keyOf(buf[:0], r, idx)
		if _, dup := seen[string(buf)]; dup {
			return nil
		}
		seen[string(buf)] = struct{}{}
		return o.Emit(ctx, r)
	})
}

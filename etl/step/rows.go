package step

import (
	"context"
	"fmt"
	"time"

	"github.com/articlekit/articlekit/etl"
)

// Rows emits fixed rows (Kettle's Data grid and Generate rows): all of
// them, Times times (once when 0), or without end when Forever, pausing
// Interval between rows.
type Rows struct {
	Schema   *etl.Schema
	Rows     []etl.Row
	Times    int64
	Forever  bool
	Interval time.Duration
}

// Plan checks every row fits the schema.
func (r Rows) Plan(context.Context, etl.Schemas) (etl.Schemas, error) {
	if r.Schema == nil {
		return nil, fmt.Errorf("rows: no schema")
	}
	for i, row := range r.Rows {
		if len(row) != r.Schema.Len() {
			return nil, fmt.Errorf("row %d has %d values for %d fields", i+1, len(row), r.Schema.Len())
		}
		for j, v := range row {
			if t := r.Schema.Field(j).Type; v != nil && t != etl.Any && etl.TypeOf(v) != t {
				return nil, fmt.Errorf("row %d: field %q: %T value for a %s field", i+1, r.Schema.Field(j).Name, v, t)
			}
		}
	}
	return etl.Schemas{etl.Main: r.Schema}, nil
}

// Count returns how many rows a run emits, or -1 without end.
func (r Rows) Count(context.Context) (int64, error) {
	if r.Forever {
		return -1, nil
	}
	return int64(len(r.Rows)) * max(r.Times, 1), nil
}

// Run emits the rows.
func (r Rows) Run(ctx context.Context, _ etl.Inputs, out etl.Outputs) error {
	o := out.Port(etl.Main)
	times := max(r.Times, 1)
	var tick <-chan time.Time
	if r.Interval > 0 {
		t := time.NewTicker(r.Interval)
		defer t.Stop()
		tick = t.C
	}
	for n := int64(0); r.Forever || n < times; n++ {
		for _, row := range r.Rows {
			if err := o.Emit(ctx, row); err != nil {
				return err
			}
			if tick == nil {
				continue
			}
			if err := o.Flush(ctx); err != nil {
				return err
			}
			select {
			case <-tick:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		if r.Forever && len(r.Rows) == 0 {
			<-ctx.Done()
			return context.Cause(ctx)
		}
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
	}
	return nil
}

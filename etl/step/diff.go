package step

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"

	"github.com/articlekit/articlekit/etl"
)

// The input ports of a Diff.
const (
	ReferencePort = "reference" // the rows as they are (the target)
	ComparePort   = "compare"   // the rows as they should be (the source)
)

// The flags a Diff sets.
const (
	FlagIdentical = "identical"
	FlagChanged   = "changed"
	FlagNew       = "new"
	FlagDeleted   = "deleted"
)

// Diff compares two streams of rows by key and content (Kettle's Merge
// rows, without its need for sorted inputs): it reads the reference rows to
// the end, keeping each key with a hash of its values, then streams the
// compare rows, flagging each new, changed or identical, and finally emits
// the reference rows no compare row matched, flagged deleted. The rows it
// emits have the compare schema plus the flag field; deleted rows carry
// their key, their other fields are null.
//
// Memory grows with the reference rows' keys, not their content. Use a
// *Diff: it counts the flags it set (see Counts).
type Diff struct {
	Keys []string
	// Values are the fields compared (every field but the keys when empty).
	Values []string
	// Flag names the flag field. Default: "flag".
	Flag string

	counts [4]atomic.Int64
}

// DiffCounts are how many rows a Diff flagged each way.
type DiffCounts struct{ New, Changed, Deleted, Identical int64 }

// Counts returns the flags set by the last run.
func (d *Diff) Counts() DiffCounts {
	return DiffCounts{New: d.counts[0].Load(), Changed: d.counts[1].Load(),
		Deleted: d.counts[2].Load(), Identical: d.counts[3].Load()}
}

var flags = [4]string{FlagNew, FlagChanged, FlagDeleted, FlagIdentical}

type diffPlan struct {
	out         *etl.Schema
	keys, vals  []int
	rkeys, rval []int
}

func (d *Diff) flagName() string {
	if d.Flag == "" {
		return "flag"
	}
	return d.Flag
}

func (d *Diff) plan(in etl.Schemas) (*diffPlan, error) {
	ref, okR := in[ReferencePort]
	cmp, okC := in[ComparePort]
	if !okR || !okC {
		return nil, errors.New(`diff: join steps to both its "reference" and "compare" ports`)
	}
	if len(d.Keys) == 0 {
		return nil, errors.New("diff: no keys")
	}
	values := d.Values
	if len(values) == 0 {
		isKey := map[string]bool{}
		for _, k := range d.Keys {
			isKey[k] = true
		}
		for _, name := range cmp.Names() {
			if !isKey[name] {
				values = append(values, name)
			}
		}
	}
	p := &diffPlan{}
	var err error
	if p.keys, err = cmp.Require(d.Keys...); err != nil {
		return nil, fmt.Errorf("compare input: %w", err)
	}
	if p.vals, err = cmp.Require(values...); err != nil {
		return nil, fmt.Errorf("compare input: %w", err)
	}
	if p.rkeys, err = ref.Require(d.Keys...); err != nil {
		return nil, fmt.Errorf("reference input: %w", err)
	}
	if p.rval, err = ref.Require(values...); err != nil {
		return nil, fmt.Errorf("reference input: %w", err)
	}
	if p.out, err = cmp.Append(etl.Field{Name: d.flagName(), Type: etl.String}); err != nil {
		return nil, err
	}
	return p, nil
}

// FirstInput is the reference port: it is read to the end first.
func (*Diff) FirstInput() string { return ReferencePort }

// Plan checks both inputs have the keys and values.
func (d *Diff) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	p, err := d.plan(in)
	if err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: p.out}, nil
}

// Run compares the streams.
func (d *Diff) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	p, err := d.plan(etl.Schemas{ReferencePort: in[ReferencePort].Schema, ComparePort: in[ComparePort].Schema})
	if err != nil {
		return err
	}
	for i := range d.counts {
		d.counts[i].Store(0)
	}
	type entry struct {
		hash uint64
		seen bool
		key  etl.Row
	}
	ref := map[string]*entry{}
	var order []*entry // deleted rows go out in reference order
	var buf []byte
	if err := in[ReferencePort].Each(ctx, func(r etl.Row) error {
		buf = etl.AppendKey(buf[:0], r, p.rkeys)
		key := make(etl.Row, len(p.rkeys))
		for i, j := range p.rkeys {
			key[i] = r[j]
		}
		k := string(buf)
		hash := hashOf(&buf, r, p.rval)
		if e := ref[k]; e != nil {
			e.hash = hash // the last of rows with one key wins
			return nil
		}
		e := &entry{hash: hash, key: key}
		ref[k] = e
		order = append(order, e)
		return nil
	}); err != nil {
		return err
	}
	o := out.Port(etl.Main)
	emit := func(r etl.Row, flag int) error {
		d.counts[flag].Add(1)
		return o.Emit(ctx, append(r, flags[flag]))
	}
	if err := in[ComparePort].Each(ctx, func(r etl.Row) error {
		row := make(etl.Row, len(r), len(r)+1)
		copy(row, r)
		buf = etl.AppendKey(buf[:0], r, p.keys)
		e, ok := ref[string(buf)]
		switch {
		case !ok:
			return emit(row, 0)
		case e.seen:
			return fmt.Errorf("diff: two compare rows have the key %s", clip(e.key[0]))
		}
		e.seen = true
		if hashOf(&buf, r, p.vals) != e.hash {
			return emit(row, 1)
		}
		return emit(row, 3)
	}); err != nil {
		return err
	}
	for _, e := range order {
		if e.seen {
			continue
		}
		row := make(etl.Row, p.out.Len()-1, p.out.Len())
		for i, j := range p.keys {
			row[j] = e.key[i]
		}
		if err := emit(row, 2); err != nil {
			return err
		}
	}
	return nil
}

// hashOf hashes the values of row at idx, using *buf as scratch space.
func hashOf(buf *[]byte, row etl.Row, idx []int) uint64 {
	*buf = etl.AppendKey((*buf)[:0], row, idx)
	return xxhash.Sum64(*buf)
}

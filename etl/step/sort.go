package step

import (
	"bufio"
	"container/heap"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/articlekit/articlekit/etl"
)

// SortKey is a field rows are sorted by.
type SortKey struct {
	Field      string
	Descending bool
	// IgnoreCase compares text without regard to case.
	IgnoreCase bool
}

// DefaultSortMemory is how many rows a Sort holds before it spills.
const DefaultSortMemory = 1_000_000

// Sort orders the rows by its keys (Kettle's Sort rows), keeping the input
// order of rows that compare equal. It holds up to Memory rows; beyond
// that it writes sorted runs to temporary files in Dir and merges them, so
// that any number of rows sorts in bounded memory.
type Sort struct {
	Keys []SortKey
	// Unique passes only the first of rows with equal keys.
	Unique bool
	// Memory is how many rows are sorted in memory at a time. Default:
	// DefaultSortMemory.
	Memory int
	// Dir holds the temporary files (the system's temporary directory when
	// empty).
	Dir string
}

// Plan checks the keys exist.
func (s Sort) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	main, err := planMain(in)
	if err != nil {
		return nil, err
	}
	if _, err := s.index(main); err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: main}, nil
}

func (s Sort) index(in *etl.Schema) ([]int, error) {
	if len(s.Keys) == 0 {
		return nil, fmt.Errorf("sort: no keys")
	}
	names := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		names[i] = k.Field
	}
	return in.Require(names...)
}

func (s Sort) compare(idx []int) func(a, b etl.Row) int {
	return func(a, b etl.Row) int {
		for i, k := range s.Keys {
			c := etl.Compare(a[idx[i]], b[idx[i]], k.IgnoreCase)
			if k.Descending {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}
}

// Run reads every row, then emits them in order.
func (s Sort) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	idx, err := s.index(in[etl.Main].Schema)
	if err != nil {
		return err
	}
	compare := s.compare(idx)
	memory := s.Memory
	if memory <= 0 {
		memory = DefaultSortMemory
	}
	var rows []etl.Row
	var runs []*os.File
	defer func() {
		for _, f := range runs {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	err = in[etl.Main].Each(ctx, func(r etl.Row) error {
		rows = append(rows, r)
		if len(rows) < memory {
			return nil
		}
		slices.SortStableFunc(rows, compare)
		f, err := spill(s.Dir, rows)
		if f != nil {
			runs = append(runs, f)
		}
		rows = rows[:0]
		return err
	})
	if err != nil {
		return err
	}
	slices.SortStableFunc(rows, compare)
	o := out.Port(etl.Main)
	var last etl.Row
	emit := func(r etl.Row) error {
		if s.Unique && last != nil && compare(last, r) == 0 {
			return nil
		}
		last = r
		return o.Emit(ctx, r)
	}
	if len(runs) == 0 {
		for _, r := range rows {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	}
	return merge(ctx, runs, rows, compare, emit)
}

// registerTypes lets times and empty binary values travel through gob as
// interface values.
var registerTypes = sync.OnceFunc(func() {
	gob.Register(time.Time{})
	gob.Register(emptyBytes{})
})

// emptyBytes stands for an empty binary value on disk: gob would read it
// back as nil, which is null.
type emptyBytes struct{}

// toDisk turns a row into what gob writes faithfully: values of other
// types than the row types become their text.
func toDisk(r etl.Row, buf []any) []any {
	buf = buf[:0]
	for _, v := range r {
		switch x := v.(type) {
		case []byte:
			if len(x) == 0 {
				v = emptyBytes{}
			}
		case nil, string, int64, float64, bool, time.Time:
		default:
			v = etl.Text(x, "")
		}
		buf = append(buf, v)
	}
	return buf
}

func fromDisk(vals []any) etl.Row {
	for i, v := range vals {
		if _, ok := v.(emptyBytes); ok {
			vals[i] = []byte{}
		}
	}
	return etl.Row(vals)
}

// spill writes sorted rows to a new temporary file.
func spill(dir string, rows []etl.Row) (*os.File, error) {
	registerTypes()
	f, err := os.CreateTemp(dir, "etl-sort-*")
	if err != nil {
		return nil, fmt.Errorf("sort: spill: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	enc := gob.NewEncoder(w)
	var buf []any
	for _, r := range rows {
		buf = toDisk(r, buf)
		if err := enc.Encode(buf); err != nil {
			return f, fmt.Errorf("sort: spill: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return f, fmt.Errorf("sort: spill: %w", err)
	}
	_, err = f.Seek(0, io.SeekStart)
	return f, err
}

// run is one sorted source of a merge: a spilled file, or the rows still
// in memory.
type run struct {
	head  etl.Row
	order int // ties go to the earlier run, keeping the sort stable
	next  func() (etl.Row, error)
}

type runHeap struct {
	runs    []*run
	compare func(a, b etl.Row) int
}

func (h *runHeap) Len() int { return len(h.runs) }
func (h *runHeap) Less(i, j int) bool {
	if c := h.compare(h.runs[i].head, h.runs[j].head); c != 0 {
		return c < 0
	}
	return h.runs[i].order < h.runs[j].order
}
func (h *runHeap) Swap(i, j int) { h.runs[i], h.runs[j] = h.runs[j], h.runs[i] }
func (h *runHeap) Push(x any)    { h.runs = append(h.runs, x.(*run)) }
func (h *runHeap) Pop() any {
	r := h.runs[len(h.runs)-1]
	h.runs = h.runs[:len(h.runs)-1]
	return r
}

// merge emits the rows of the spilled runs and the rows in memory, in order.
func merge(ctx context.Context, files []*os.File, rows []etl.Row, compare func(a, b etl.Row) int, emit func(etl.Row) error) error {
	h := &runHeap{compare: compare}
	add := func(r *run) error {
		row, err := r.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		r.head = row
		heap.Push(h, r)
		return nil
	}
	for i, f := range files {
		dec := gob.NewDecoder(bufio.NewReaderSize(f, 1<<16))
		next := func() (etl.Row, error) {
			var r []any
			if err := dec.Decode(&r); err != nil {
				if !errors.Is(err, io.EOF) {
					err = fmt.Errorf("sort: read back: %w", err)
				}
				return nil, err
			}
			return fromDisk(r), nil
		}
		if err := add(&run{order: i, next: next}); err != nil {
			return err
		}
	}
	pos := 0
	memory := &run{order: len(files), next: func() (etl.Row, error) {
		if pos == len(rows) {
			return nil, io.EOF
		}
		pos++
		return rows[pos-1], nil
	}}
	if err := add(memory); err != nil {
		return err
	}
	for h.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		r := heap.Pop(h).(*run)
		if err := emit(r.head); err != nil {
			return err
		}
		if err := add(r); err != nil {
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

func (u Unique) index(in *etl.Schema) ([]int, error) {
	if len(u.Fields) == 0 {
		return in.Require(in.Names()...)
	}
	return in.Require(u.Fields...)
}

// Plan checks the fields exist.
func (u Unique) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	main, err := planMain(in)
	if err != nil {
		return nil, err
	}
	if _, err := u.index(main); err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: main}, nil
}

// Run drops the rows seen before.
func (u Unique) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	idx, err := u.index(in[etl.Main].Schema)
	if err != nil {
		return err
	}
	seen := map[string]struct{}{}
	var buf []byte
	o := out.Port(etl.Main)
	return etl.EachRow(ctx, in, out, func(r etl.Row) error {
		buf = etl.AppendKey(buf[:0], r, idx)
		if _, dup := seen[string(buf)]; dup {
			return nil
		}
		seen[string(buf)] = struct{}{}
		return o.Emit(ctx, r)
	})
}

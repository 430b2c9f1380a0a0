package etl

import (
	"context"
	"io"
	"sync/atomic"
)

// Main is the name of a step's main input and output port. Steps with more
// name the others: a filter's "true" and "false", a lookup's "lookup", a
// validator's Reject.
const Main = ""

// Reject is the port rows refused by a step leave on; rows emitted there
// count as rejected.
const Reject = "reject"

// Schemas are the row layouts of a step's ports, by port name.
type Schemas map[string]*Schema

// Step is one stage of a pipeline.
type Step interface {
	// Plan checks the step against the schemas of its inputs and returns
	// the schemas of its outputs. Every step is planned before any row
	// moves, so a pipeline with a mistake fails as a whole, up front.
	Plan(ctx context.Context, in Schemas) (Schemas, error)
	// Run reads the step's inputs until they end, emitting rows to its
	// outputs; a source emits until it has nothing more. It returns early
	// only with an error or when ctx is done.
	Run(ctx context.Context, in Inputs, out Outputs) error
}

// Concurrent is implemented by steps whose Run may execute as several
// copies at once (see Copies); each copy takes its share of the input.
type Concurrent interface {
	Step
	// Concurrent is a marker.
	Concurrent()
}

// FirstInput is implemented by steps that read one input port to its end
// before they read the others (a lookup's table, a diff's reference). Plan
// refuses to join such a step's inputs to a common upstream step: that
// step would wait on a full hop to the port not yet read, forever.
type FirstInput interface {
	FirstInput() string
}

// Counter is implemented by sources that can tell, before they run, how
// many rows they will emit (-1: no end), for progress displays.
type Counter interface {
	Count(ctx context.Context) (int64, error)
}

// Inputs are a step's input streams, by port name.
type Inputs map[string]*Input

// Input is one input stream of a step: the rows of every hop into one port.
type Input struct {
	Schema *Schema
	c      <-chan []Row
	read   *atomic.Int64
}

// Next returns the next batch of rows, or io.EOF when the stream has ended.
// The batch must not be modified.
func (in *Input) Next(ctx context.Context) ([]Row, error) {
	select {
	case rows, ok := <-in.c:
		if !ok {
			if ctx.Err() != nil {
				// The run failed elsewhere: this end is not a success.
				return nil, context.Cause(ctx)
			}
			return nil, io.EOF
		}
		in.read.Add(int64(len(rows)))
		return rows, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// Batches calls fn with every remaining batch of the stream.
func (in *Input) Batches(ctx context.Context, fn func([]Row) error) error {
	for {
		rows, err := in.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(rows); err != nil {
			return err
		}
	}
}

// Each calls fn for every remaining row of the stream.
func (in *Input) Each(ctx context.Context, fn func(Row) error) error {
	return in.Batches(ctx, func(rows []Row) error { return eachOf(rows, fn) })
}

func eachOf(rows []Row, fn func(Row) error) error {
	for _, r := range rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Outputs are a step's output streams, by port name. A port no hop leaves
// from discards its rows: the main port counts them as written (a sink's,
// say, which has written them), the Reject port as rejected, and the
// others (a filter's unmatched rows) not at all.
type Outputs map[string]*Output

// Port returns the output named name; rows emitted to a port that the
// step's Plan did not declare are discarded.
func (o Outputs) Port(name string) *Output {
	if out, ok := o[name]; ok {
		return out
	}
	return &Output{} // no targets: discarded
}

// Flush sends every port's buffered rows on.
func (o Outputs) Flush(ctx context.Context) error {
	for _, out := range o {
		if err := out.Flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Output is one output stream of a step. Rows are buffered and sent on in
// batches; one goroutine (the step's copy) owns an Output.
type Output struct {
	Schema     *Schema
	targets    []chan<- []Row
	distribute bool // round-robin over targets rather than to every one
	next       int
	batchSize  int
	buf        []Row
	written    *atomic.Int64
}

// Connected reports whether any hop leaves this output: rows emitted to an
// output that is not connected are only counted.
func (o *Output) Connected() bool { return len(o.targets) > 0 }

// Count records n rows as emitted on an output that is not connected, for
// a step that does not keep rows nobody reads. On a connected output it
// does nothing: rows must be emitted.
func (o *Output) Count(n int) {
	if len(o.targets) == 0 && o.written != nil {
		o.written.Add(int64(n))
	}
}

// Emit sends row on, in a batch. The row must not be modified afterwards.
func (o *Output) Emit(ctx context.Context, row Row) error {
	if len(o.targets) == 0 {
		if o.written != nil {
			o.written.Add(1)
		}
		return nil
	}
	o.buf = append(o.buf, row)
	if len(o.buf) >= o.batchSize {
		return o.Flush(ctx)
	}
	return nil
}

// Flush sends the buffered rows on now. Steps call it when they pause (a
// source waiting for new data) so that rows do not wait for a full batch;
// the engine flushes after each input batch and when a step ends.
func (o *Output) Flush(ctx context.Context) error {
	if len(o.buf) == 0 {
		return nil
	}
	rows := o.buf
	o.buf = make([]Row, 0, o.batchSize)
	o.written.Add(int64(len(rows)))
	if o.distribute && len(o.targets) > 1 {
		t := o.targets[o.next%len(o.targets)]
		o.next++
		return send(ctx, t, rows)
	}
	for _, t := range o.targets {
		if err := send(ctx, t, rows); err != nil {
			return err
		}
	}
	return nil
}

func send(ctx context.Context, c chan<- []Row, rows []Row) error {
	select {
	case c <- rows:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// EachRow runs fn over every row of the main input, flushing the outputs
// after each batch so that rows keep the pace of their input. It is the
// body of most row-at-a-time steps' Run.
func EachRow(ctx context.Context, in Inputs, out Outputs, fn func(Row) error) error {
	main, ok := in[Main]
	if !ok {
		return nil
	}
	return main.Batches(ctx, func(rows []Row) error {
		if err := eachOf(rows, fn); err != nil {
			return err
		}
		return out.Flush(ctx)
	})
}

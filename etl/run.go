package etl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
)

// Defaults of a run.
const (
	// DefaultBatchSize is how many rows travel together between steps.
	DefaultBatchSize = 1000
	// DefaultBuffer is how many batches a hop holds before its writer waits:
	// the back-pressure that keeps a run's memory constant.
	DefaultBuffer = 4
)

// RunOption tunes a run.
type RunOption func(*runConfig)

type runConfig struct {
	log       *zap.Logger
	metrics   *Metrics
	batchSize int
	buffer    int
	progress  func(Progress)
	every     time.Duration
}

// WithLogger logs the run (start, end, failures) with its run id. Without
// it, or with nil, nothing is logged.
func WithLogger(log *zap.Logger) RunOption {
	if log == nil {
		log = zap.NewNop()
	}
	return func(c *runConfig) { c.log = log }
}

// WithMetrics counts the run's rows and records its outcome.
func WithMetrics(m *Metrics) RunOption { return func(c *runConfig) { c.metrics = m } }

// WithBatchSize sets how many rows travel together. Default: DefaultBatchSize.
func WithBatchSize(n int) RunOption { return func(c *runConfig) { c.batchSize = n } }

// WithBuffer sets how many batches each hop holds. Default: DefaultBuffer.
func WithBuffer(n int) RunOption { return func(c *runConfig) { c.buffer = n } }

// WithProgress calls fn every interval while the run goes on, and once at
// its end.
func WithProgress(interval time.Duration, fn func(Progress)) RunOption {
	return func(c *runConfig) { c.progress, c.every = fn, interval }
}

func newRunConfig(opts []RunOption) runConfig {
	cfg := runConfig{log: zap.NewNop(), batchSize: DefaultBatchSize, buffer: DefaultBuffer}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.batchSize, cfg.buffer = max(1, cfg.batchSize), max(0, cfg.buffer)
	return cfg
}

// Progress is a run's state so far.
type Progress struct {
	RunID    string
	Elapsed  time.Duration
	Steps    []StepStats
	Finished bool
}

// StepStats counts the rows of one step.
type StepStats struct {
	Name     string `json:"name"`
	Read     int64  `json:"read"`     // rows taken from its inputs
	Written  int64  `json:"written"`  // rows passed on (see Outputs), except rejected ones
	Rejected int64  `json:"rejected"` // rows emitted to its Reject port
}

// Result is what a run did.
type Result struct {
	RunID    string
	Pipeline string
	Started  time.Time
	Duration time.Duration
	Steps    []StepStats // in the order the steps run
}

// Step returns the stats of the step named name.
func (r *Result) Step(name string) StepStats {
	for _, s := range r.Steps {
		if s.Name == name {
			return s
		}
	}
	return StepStats{Name: name}
}

// counters are a step's live row counts, shared by its copies.
type counters struct{ read, written, rejected atomic.Int64 }

func (c *counters) stats(name string) StepStats {
	return StepStats{Name: name, Read: c.read.Load(), Written: c.written.Load(), Rejected: c.rejected.Load()}
}

// Run plans the pipeline and moves its rows until every step has finished.
// The first step to fail stops the others; Run returns its error, wrapped
// with the step's name, and the counts so far.
func (p *Pipeline) Run(ctx context.Context, opts ...RunOption) (*Result, error) {
	cfg := newRunConfig(opts)
	res := &Result{RunID: uuid.NewString(), Pipeline: p.name, Started: time.Now()}
	log := cfg.log.With(zap.String("pipeline", p.name), zap.String("run_id", res.RunID))

	pl, err := p.plan(ctx)
	if err != nil {
		cfg.metrics.finished(res, err)
		log.Error("pipeline refused", zap.Error(err))
		return res, err
	}
	log.Info("run started")
	count := make(map[*node]*counters, len(pl.order))
	for _, nd := range pl.order {
		count[nd] = &counters{}
	}
	snapshot := func() []StepStats {
		stats := make([]StepStats, len(pl.order))
		for i, nd := range pl.order {
			stats[i] = count[nd].stats(nd.name)
		}
		return stats
	}
	stopReporting := cfg.report(p.name, res, snapshot)
	err = p.execute(ctx, pl, cfg, count)
	res.Duration = time.Since(res.Started)
	res.Steps = snapshot()
	stopReporting()
	cfg.metrics.finished(res, err)
	if err != nil {
		log.Error("run failed", zap.Error(err), zap.Duration("duration", res.Duration))
		return res, err
	}
	log.Info("run finished", zap.Duration("duration", res.Duration), zap.Any("steps", res.Steps))
	return res, nil
}

// report feeds progress and metrics while a run goes on; the function it
// returns stops it after a last report.
func (c runConfig) report(pipeline string, res *Result, snapshot func() []StepStats) (stop func()) {
	every := c.every
	if every <= 0 {
		every = time.Second
	}
	var counted []StepStats
	tick := func(finished bool) {
		steps := snapshot()
		c.metrics.add(pipeline, counted, steps)
		counted = steps
		if c.progress != nil {
			c.progress(Progress{RunID: res.RunID, Elapsed: time.Since(res.Started), Steps: steps, Finished: finished})
		}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				tick(false)
			case <-done:
				tick(true)
				return
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// stream is the channel into one input port and the number of writers
// (hops × copies) still to finish before it closes.
type stream struct {
	c       chan []Row
	writers atomic.Int64
}

func (s *stream) done() {
	if s.writers.Add(-1) == 0 {
		close(s.c)
	}
}

func (p *Pipeline) execute(ctx context.Context, pl *plan, cfg runConfig, count map[*node]*counters) error {
	type portKey struct {
		nd   *node
		port string
	}
	streams := map[portKey]*stream{}
	for _, h := range p.hops {
		key := portKey{p.byName[h.To], h.ToPort}
		if streams[key] == nil {
			streams[key] = &stream{c: make(chan []Row, cfg.buffer)}
		}
		streams[key].writers.Add(int64(p.byName[h.From].copies))
	}
	g, ctx := errgroup.WithContext(ctx)
	for _, nd := range pl.order {
		in := Inputs{}
		var own []*stream // the streams into nd, drained when it is done
		for port, schema := range pl.in[nd] {
			s := streams[portKey{nd, port}]
			in[port] = &Input{Schema: schema, c: s.c, read: &count[nd].read}
			own = append(own, s)
		}
		var feeds []*stream // the streams nd writes to
		for _, h := range p.hops {
			if h.From == nd.name {
				feeds = append(feeds, streams[portKey{p.byName[h.To], h.ToPort}])
			}
		}
		var running sync.WaitGroup
		running.Add(nd.copies)
		for range nd.copies {
			out := Outputs{}
			for port, schema := range pl.out[nd] {
				o := &Output{Schema: schema, distribute: nd.distribute, batchSize: cfg.batchSize, written: &count[nd].written}
				if port == Reject {
					o.written = &count[nd].rejected
				}
				for _, h := range p.hops {
					if h.From == nd.name && h.FromPort == port {
						o.targets = append(o.targets, streams[portKey{p.byName[h.To], h.ToPort}].c)
					}
				}
				if !o.Connected() && port != Main && port != Reject {
					// Dropped: a filter's unmatched rows, with no hop
					// for them, were not written anywhere.
					o.written = nil
				}
				out[port] = o
			}
			g.Go(func() error {
				defer running.Done()
				if err := runStep(ctx, nd, in, out); err != nil {
					// Its streams stay open: the steps after it must not take
					// a failure for the end of their input. The cancelled
					// context stops them.
					return fmt.Errorf("etl: step %q: %w", nd.name, err)
				}
				for _, s := range feeds {
					s.done()
				}
				return nil
			})
		}
		// A step may stop reading before its input ends (it has seen
		// enough); what is left is drained so that its writers finish.
		g.Go(func() error {
			running.Wait()
			for _, s := range own {
				drain(ctx, s.c)
			}
			return nil
		})
	}
	return g.Wait()
}

// drain discards what is left in c until it closes or ctx ends.
func drain(ctx context.Context, c <-chan []Row) {
	for {
		select {
		case _, ok := <-c:
			if !ok {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// runStep runs one copy of a step, turning a panic into an error so that a
// bug in a step fails the run, not the process.
func runStep(ctx context.Context, nd *node, in Inputs, out Outputs) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v\n%s", ErrStepPanicked, r, debug.Stack())
		}
	}()
	if err := nd.step.Run(ctx, in, out); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return out.Flush(ctx)
}

// ErrStepPanicked marks the error of a step that panicked.
var ErrStepPanicked = errors.New("step panicked")

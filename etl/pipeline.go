package etl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Pipeline is a graph of steps joined by hops. Build it with Add, Then and
// Connect, then Run it; a pipeline may run any number of times, though not
// concurrently with itself when its steps keep state.
type Pipeline struct {
	name   string
	nodes  []*node
	byName map[string]*node
	hops   []Hop
	last   string // the step Then links from
	err    error  // the first mistake made building the pipeline
}

type node struct {
	name       string
	step       Step
	copies     int
	distribute bool
}

// Hop joins an output port of one step to an input port of another. Rows
// from several hops into one port merge into one stream; those hops must
// carry the same schema.
type Hop struct {
	From     string
	FromPort string // Main when empty
	To       string
	ToPort   string // Main when empty
}

func (h Hop) String() string {
	s := fmt.Sprintf("%q", h.From)
	if h.FromPort != Main {
		s += "." + h.FromPort
	}
	s += fmt.Sprintf(" → %q", h.To)
	if h.ToPort != Main {
		s += "." + h.ToPort
	}
	return s
}

// StepOption tunes how a step runs.
type StepOption func(*node)

// Copies runs n copies of a Concurrent step side by side, each taking its
// share of the input (Kettle's "number of copies").
func Copies(n int) StepOption { return func(nd *node) { nd.copies = n } }

// Distribute sends each batch of a port with several hops to one of them in
// turn (round-robin) instead of to every one (the default: copy).
func Distribute() StepOption { return func(nd *node) { nd.distribute = true } }

// New returns an empty pipeline named name (used in logs and metrics).
func New(name string) *Pipeline {
	return &Pipeline{name: name, byName: map[string]*node{}}
}

// Name returns the pipeline's name.
func (p *Pipeline) Name() string { return p.name }

// Add adds a step named name, joined to nothing yet.
func (p *Pipeline) Add(name string, s Step, opts ...StepOption) *Pipeline {
	nd := &node{name: name, step: s, copies: 1}
	for _, o := range opts {
		o(nd)
	}
	switch _, concurrent := s.(Concurrent); {
	case name == "":
		p.fail(errors.New("etl: a step has no name"))
	case s == nil:
		p.fail(fmt.Errorf("etl: step %q is nil", name))
	case p.byName[name] != nil:
		p.fail(fmt.Errorf("etl: two steps are named %q", name))
	case nd.copies < 1 || nd.copies > 1024:
		p.fail(fmt.Errorf("etl: step %q: %d copies (want 1 to 1024)", name, nd.copies))
	case nd.copies > 1 && !concurrent:
		p.fail(fmt.Errorf("etl: step %q cannot run as several copies", name))
	default:
		p.nodes = append(p.nodes, nd)
		p.byName[name] = nd
	}
	p.last = name
	return p
}

// Then adds a step and a hop from the main output of the step added before
// it: New("copy").Then("read", src).Then("write", sink).
func (p *Pipeline) Then(name string, s Step, opts ...StepOption) *Pipeline {
	from := p.last
	p.Add(name, s, opts...)
	if from != "" {
		p.Connect(Hop{From: from, To: name})
	}
	return p
}

// Connect adds hops.
func (p *Pipeline) Connect(hops ...Hop) *Pipeline {
	p.hops = append(p.hops, hops...)
	return p
}

func (p *Pipeline) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// plan is a checked pipeline: its steps in an order where every step comes
// after those it reads from, with the schemas of their ports.
type plan struct {
	order []*node
	in    map[*node]Schemas
	out   map[*node]Schemas
}

// Plan checks the pipeline without moving a row: the hops, and every step
// against its inputs. Run plans first; Plan alone is a dry check.
func (p *Pipeline) Plan(ctx context.Context) error {
	_, err := p.plan(ctx)
	return err
}

func (p *Pipeline) plan(ctx context.Context) (*plan, error) {
	if p.err != nil {
		return nil, p.err
	}
	if len(p.nodes) == 0 {
		return nil, fmt.Errorf("etl: pipeline %q has no steps", p.name)
	}
	order, err := p.sort()
	if err != nil {
		return nil, err
	}
	if err := p.checkFirstInputs(order); err != nil {
		return nil, err
	}
	pl := &plan{order: order, in: map[*node]Schemas{}, out: map[*node]Schemas{}}
	for _, nd := range order {
		in := Schemas{}
		for _, h := range p.hops {
			if h.To != nd.name {
				continue
			}
			s, ok := pl.out[p.byName[h.From]][h.FromPort]
			if !ok {
				return nil, fmt.Errorf("etl: hop %s: step %q has no output %q (it has %s)",
					h, h.From, h.FromPort, portNames(pl.out[p.byName[h.From]]))
			}
			if prev, ok := in[h.ToPort]; ok && !prev.Equal(s) {
				return nil, fmt.Errorf("etl: step %q: its inputs on port %q differ: %s and %s", nd.name, h.ToPort, prev, s)
			}
			in[h.ToPort] = s
		}
		out, err := nd.step.Plan(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("etl: step %q: %w", nd.name, err)
		}
		pl.in[nd], pl.out[nd] = in, out
	}
	return pl, nil
}

// checkFirstInputs refuses a step that reads one input first when that
// input and another share an upstream step (see FirstInput).
func (p *Pipeline) checkFirstInputs(order []*node) error {
	upstream := map[string]map[string]bool{} // step → every step it reads from, directly or not
	for _, nd := range order {
		up := map[string]bool{}
		byPort := map[string]map[string]bool{}
		for _, h := range p.hops {
			if h.To != nd.name {
				continue
			}
			if byPort[h.ToPort] == nil {
				byPort[h.ToPort] = map[string]bool{}
			}
			for _, set := range []map[string]bool{up, byPort[h.ToPort]} {
				set[h.From] = true
				for name := range upstream[h.From] {
					set[name] = true
				}
			}
		}
		upstream[nd.name] = up
		f, ok := nd.step.(FirstInput)
		if !ok {
			continue
		}
		first := f.FirstInput()
		for port, others := range byPort {
			if port == first {
				continue
			}
			for name := range byPort[first] {
				if others[name] {
					return fmt.Errorf("etl: step %q reads its %q input to the end before its others, but step %q feeds both: "+
						"it would wait on itself; give one side its own source (or a Sort, which buffers)", nd.name, first, name)
				}
			}
		}
	}
	return nil
}

// sort orders the steps so that each comes after the steps it reads from,
// keeping the order they were added in where the hops allow.
func (p *Pipeline) sort() ([]*node, error) {
	indegree := map[string]int{}
	for _, h := range p.hops {
		for _, name := range []string{h.From, h.To} {
			if p.byName[name] == nil {
				return nil, fmt.Errorf("etl: hop %s: no step %q", h, name)
			}
		}
		if h.From == h.To {
			return nil, fmt.Errorf("etl: hop %s joins a step to itself", h)
		}
		indegree[h.To]++
	}
	var order []*node
	done := map[string]bool{}
	for len(order) < len(p.nodes) {
		progressed := false
		for _, nd := range p.nodes {
			if done[nd.name] || indegree[nd.name] > 0 {
				continue
			}
			done[nd.name], progressed = true, true
			order = append(order, nd)
			for _, h := range p.hops {
				if h.From == nd.name {
					indegree[h.To]--
				}
			}
		}
		if !progressed {
			var cycle []string
			for _, nd := range p.nodes {
				if !done[nd.name] {
					cycle = append(cycle, fmt.Sprintf("%q", nd.name))
				}
			}
			return nil, fmt.Errorf("etl: the hops between %s form a loop", strings.Join(cycle, ", "))
		}
	}
	return order, nil
}

func portNames(s Schemas) string {
	names := make([]string, 0, len(s))
	for name := range s {
		if name == Main {
			name = "main"
		}
		names = append(names, fmt.Sprintf("%q", name))
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Steps returns the names of the pipeline's steps in the order they were
// added.
func (p *Pipeline) Steps() []string {
	names := make([]string, len(p.nodes))
	for i, nd := range p.nodes {
		names[i] = nd.name
	}
	return names
}

// Step returns the step named name.
func (p *Pipeline) Step(name string) (Step, bool) {
	if nd, ok := p.byName[name]; ok {
		return nd.step, true
	}
	return nil, false
}

// Hops returns the pipeline's hops.
func (p *Pipeline) Hops() []Hop { return slices.Clone(p.hops) }

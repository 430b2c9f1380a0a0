package etl_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/internal/etltest"
	"github.com/articlekit/articlekit/etl/step"
)

func TestGraphErrors(t *testing.T) {
	src := etltest.PeopleRows()
	tests := []struct {
		name string
		p    *etl.Pipeline
		want string
	}{
		{"empty", etl.New("x"), "no steps"},
		{"duplicate name", etl.New("x").Add("a", src).Add("a", src), `two steps are named "a"`},
		{"unknown hop target", etl.New("x").Add("a", src).Connect(etl.Hop{From: "a", To: "b"}), `no step "b"`},
		{"loop", etl.New("x").Add("a", src).Add("b", step.Pass{}).Add("c", step.Pass{}).
			Connect(etl.Hop{From: "a", To: "b"}, etl.Hop{From: "b", To: "c"}, etl.Hop{From: "c", To: "b"}), "form a loop"},
		{"unknown port", etl.New("x").Add("a", src).Add("b", step.Pass{}).Connect(etl.Hop{From: "a", FromPort: "nope", To: "b"}), `has no output "nope"`},
		{"copies of a serial step", etl.New("x").Add("a", src).Add("s", step.Sort{}, etl.Copies(2)), "cannot run as several copies"},
		{"mismatched merge", etl.New("x").Add("a", src).Add("b", step.Constants{{Name: "c", Type: etl.String}}).Add("m", step.Pass{}).
			Connect(etl.Hop{From: "a", To: "b"}, etl.Hop{From: "a", To: "m"}, etl.Hop{From: "b", To: "m"}), "inputs on port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Plan(context.Background()); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Plan = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestFilterPortsAndMerge(t *testing.T) {
	kept, dropped, all := &step.Collector{}, &step.Collector{}, &step.Collector{}
	p := etl.New("split").
		Add("source", etltest.PeopleRows()).
		Add("filter", step.Filter{Where: step.Expr(`name == "bob"`)}).
		Add("kept", kept).Add("dropped", dropped).
		Add("merge", step.Pass{}).Add("all", all).
		Connect(
			etl.Hop{From: "source", To: "filter"},
			etl.Hop{From: "filter", To: "kept"},
			etl.Hop{From: "filter", FromPort: step.Unmatched, To: "dropped"},
			etl.Hop{From: "filter", To: "merge"},
			etl.Hop{From: "filter", FromPort: step.Unmatched, To: "merge"},
			etl.Hop{From: "merge", To: "all"},
		)
	res, err := p.Run(context.Background(), etl.WithBatchSize(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(kept.Rows()) != 2 || len(dropped.Rows()) != 2 || len(all.Rows()) != 4 {
		t.Fatalf("kept %v, dropped %v, all %v", kept.Rows(), dropped.Rows(), all.Rows())
	}
	if s := res.Step("filter"); s.Read != 4 || s.Written != 4 {
		t.Fatalf("filter stats %+v", s)
	}
}

// A filter's rows that no hop takes are dropped, not counted as written;
// those it keeps are.
func TestFilterWithoutUnmatchedHop(t *testing.T) {
	kept := &step.Collector{}
	res, err := etl.New("keep").
		Then("source", etltest.PeopleRows()).
		Then("filter", step.Filter{Where: step.Expr(`name == "bob"`)}).
		Then("kept", kept).
		Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Step("filter"); s.Read != 4 || s.Written != 2 || len(kept.Rows()) != 2 {
		t.Fatalf("filter stats %+v, %d kept; want 4 read, 2 written and kept", s, len(kept.Rows()))
	}
}

// A failing step stops the run, whatever the others are doing, and its
// error names it; a panicking one too, without taking the process down.
func TestFailures(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		step etl.Step
		want error
	}{
		{"error", step.Compute{Fields: []step.Computed{{Name: "x", Value: step.Func{Fields: []string{"id"},
			Fn: func([]any) (any, error) { return nil, boom }}}}}, boom},
		{"panic", step.Compute{Fields: []step.Computed{{Name: "x", Value: step.Func{Fields: []string{"id"},
			Fn: func([]any) (any, error) { panic("bug") }}}}}, etl.ErrStepPanicked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endless := etltest.PeopleRows()
			endless.Forever = true
			p := etl.New("fail").Then("source", endless).Then("step", tt.step).Then("sink", &step.Collector{})
			_, err := p.Run(context.Background())
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), `step "step"`) {
				t.Fatalf("err = %v, want %v from step", err, tt.want)
			}
		})
	}
}

func TestCopiesShareTheInput(t *testing.T) {
	src := etltest.PeopleRows()
	src.Times = 1000
	out := &step.Collector{}
	p := etl.New("copies").Then("source", src).
		Then("compute", step.Compute{Fields: []step.Computed{{Name: "n", Value: step.Expr(`id + 1`)}}}, etl.Copies(3)).
		Then("sink", out, etl.Copies(2))
	if _, err := p.Run(context.Background(), etl.WithBatchSize(7)); err != nil {
		t.Fatal(err)
	}
	sum := int64(0)
	for _, r := range out.Rows() {
		sum += r[3].(int64)
	}
	if len(out.Rows()) != 4000 || sum != 1000*(2+3+4+5) {
		t.Fatalf("%d rows, sum %d", len(out.Rows()), sum)
	}
}

func TestSchemaTypes(t *testing.T) {
	for _, name := range []string{"string", "Integer", "number", "boolean", "time", "binary", "any"} {
		typ, err := etl.ParseType(name)
		if err != nil || !strings.EqualFold(typ.String(), name) {
			t.Errorf("ParseType(%q) = %v, %v", name, typ, err)
		}
	}
	if _, err := etl.ParseType("decimal"); err == nil {
		t.Error("ParseType(decimal) succeeded")
	}
	if !reflect.DeepEqual(etltest.People.Names(), []string{"id", "name", "score"}) {
		t.Error(etltest.People.Names())
	}
}

// endSink records how its input ended.
type endSink struct{ err error }

func (s *endSink) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	return etl.Schemas{}, nil
}

func (s *endSink) Run(ctx context.Context, in etl.Inputs, _ etl.Outputs) error {
	s.err = in[etl.Main].Each(ctx, func(etl.Row) error { return nil })
	return s.err
}

// After a step fails, the steps behind it see an error, never a clean end
// of input that would let a sink commit a partial result.
func TestFailureIsNotAnEnd(t *testing.T) {
	for range 20 {
		sink := &endSink{}
		fail := step.Compute{Fields: []step.Computed{{Name: "x", Value: step.Func{Fields: []string{"id"},
			Fn: func(a []any) (any, error) {
				if a[0] == int64(3) {
					return nil, errors.New("boom")
				}
				return nil, nil
			}}}}}
		_, err := etl.New("fail").Then("source", etltest.PeopleRows()).Then("fail", fail).Then("sink", sink).
			Run(context.Background(), etl.WithBatchSize(1))
		if err == nil || sink.err == nil {
			t.Fatalf("run error %v, sink's input ended with %v", err, sink.err)
		}
	}
}

// A diff whose two inputs come from one step would wait on itself: Plan
// refuses it rather than let the run hang.
func TestFirstInputCannotShareUpstream(t *testing.T) {
	p := etl.New("diamond").
		Add("source", etltest.PeopleRows()).
		Add("split", step.Filter{Where: step.Expr(`id > 2`)}).
		Add("diff", &step.Diff{Keys: []string{"id"}}).
		Add("out", &step.Collector{}).
		Connect(etl.Hop{From: "source", To: "split"},
			etl.Hop{From: "split", To: "diff", ToPort: step.ComparePort},
			etl.Hop{From: "split", FromPort: step.Unmatched, To: "diff", ToPort: step.ReferencePort},
			etl.Hop{From: "diff", To: "out"})
	if err := p.Plan(context.Background()); err == nil || !strings.Contains(err.Error(), "feeds both") {
		t.Fatalf("Plan = %v", err)
	}
}

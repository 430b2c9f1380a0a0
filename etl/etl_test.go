package etl_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/articlekit/articlekit/etl"
)

var people = etl.MustSchema(
	etl.Field{Name: "id", Type: etl.Integer},
	etl.Field{Name: "name", Type: etl.String},
	etl.Field{Name: "score", Type: etl.Number},
)

func peopleRows() etl.Rows {
	return etl.Rows{Schema: people, Rows: []etl.Row{
		{int64(1), "ada", 9.5},
		{int64(2), "bob", nil},
		{int64(3), "Cy", 7.0},
		{int64(4), "bob", 3.25},
	}}
}

// run runs source → step → collector and returns what arrived.
func run(t *testing.T, step etl.Step, opts ...etl.RunOption) (*etl.Schema, []etl.Row) {
	t.Helper()
	out := &etl.Collector{}
	p := etl.New("test").Then("source", peopleRows()).Then("step", step).Then("sink", out)
	res, err := p.Run(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Step("sink").Read; got != int64(len(out.Rows())) {
		t.Fatalf("sink read %d rows, collected %d", got, len(out.Rows()))
	}
	return out.Schema(), out.Rows()
}

func TestSteps(t *testing.T) {
	def := "unknown"
	tests := []struct {
		name   string
		step   etl.Step
		schema string
		rows   string
	}{
		{"pass", etl.Pass{}, "(id:integer, name:string, score:number)",
			"[1 ada 9.5] [2 bob <nil>] [3 Cy 7] [4 bob 3.25]"},
		{"filter", etl.Filter{Where: etl.Expr(`score != nil && score > 5`)}, "(id:integer, name:string, score:number)",
			"[1 ada 9.5] [3 Cy 7]"},
		{"compute", etl.Compute{Fields: []etl.Computed{
			{Name: "label", Type: etl.String, Value: etl.Expr(`upper(name) + "#" + string(id)`)},
			{Name: "id", Type: etl.Integer, Value: etl.Expr(`id * 10`)},
			{Name: "tmp", Value: etl.Expr(`1`)},
		}, Remove: []string{"tmp"}}, "(id:integer, name:string, score:number, label:string)",
			"[10 ada 9.5 ADA#1] [20 bob <nil> BOB#2] [30 Cy 7 CY#3] [40 bob 3.25 BOB#4]"},
		{"constants", etl.Constants{{Name: "src", Type: etl.String, Value: "A"}, {Name: "none", Type: etl.Integer}},
			"(id:integer, name:string, score:number, src:string, none:integer)",
			"[1 ada 9.5 A <nil>] [2 bob <nil> A <nil>] [3 Cy 7 A <nil>] [4 bob 3.25 A <nil>]"},
		{"select", etl.Select{Fields: []etl.Pick{{Name: "name", Rename: "who"}, {Name: "id"}},
			Retype: []etl.Retype{{Name: "id", Rename: "key", Type: etl.String}}}, "(who:string, key:string)",
			"[ada 1] [bob 2] [Cy 3] [bob 4]"},
		{"select unspecified and remove", etl.Select{Fields: []etl.Pick{{Name: "score"}}, Unspecified: true, Remove: []string{"id"}},
			"(score:number, name:string)", "[9.5 ada] [<nil> bob] [7 Cy] [3.25 bob]"},
		{"map values to a new field", etl.MapValues{Field: "name", Target: "full", Mapping: map[string]string{"ada": "Ada Lovelace"}, Default: &def},
			"(id:integer, name:string, score:number, full:string)",
			"[1 ada 9.5 Ada Lovelace] [2 bob <nil> unknown] [3 Cy 7 unknown] [4 bob 3.25 unknown]"},
		{"map values in place", etl.MapValues{Field: "id", Mapping: map[string]string{"2": "two"}},
			"(id:string, name:string, score:number)", "[1 ada 9.5] [two bob <nil>] [3 Cy 7] [4 bob 3.25]"},
		{"sort", etl.Sort{Keys: []etl.SortKey{{Field: "name", IgnoreCase: true}, {Field: "id", Descending: true}}},
			"(id:integer, name:string, score:number)", "[1 ada 9.5] [4 bob 3.25] [2 bob <nil>] [3 Cy 7]"},
		{"sort unique", etl.Sort{Keys: []etl.SortKey{{Field: "name"}}, Unique: true},
			"(id:integer, name:string, score:number)", "[3 Cy 7] [1 ada 9.5] [2 bob <nil>]"},
		{"unique", etl.Unique{Fields: []string{"name"}},
			"(id:integer, name:string, score:number)", "[1 ada 9.5] [2 bob <nil>] [3 Cy 7]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schema, rows := run(t, tt.step)
			if schema.String() != tt.schema {
				t.Errorf("schema %s, want %s", schema, tt.schema)
			}
			if got := format(rows); got != tt.rows {
				t.Errorf("rows\n got %s\nwant %s", got, tt.rows)
			}
		})
	}
}

func format(rows []etl.Row) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = fmt.Sprint([]any(r))
	}
	return strings.Join(parts, " ")
}

// Mistakes are found before any row moves.
func TestPlanErrors(t *testing.T) {
	tests := []struct {
		name string
		step etl.Step
		want string
	}{
		{"unknown field in expression", etl.Filter{Where: etl.Expr(`nope > 1`)}, "unknown name nope"},
		{"syntax error", etl.Compute{Fields: []etl.Computed{{Name: "x", Value: etl.Expr(`1 +`)}}}, "expression"},
		{"select unknown", etl.Select{Fields: []etl.Pick{{Name: "nope"}}}, `cannot select "nope"`},
		{"duplicate output field", etl.Select{Fields: []etl.Pick{{Name: "id"}, {Name: "name", Rename: "id"}}}, `field "id" appears twice`},
		{"sort unknown", etl.Sort{Keys: []etl.SortKey{{Field: "nope"}}}, `no field "nope"`},
		{"lookup without lookup input", etl.Lookup{Keys: []etl.LookupKey{{Field: "id", LookupField: "id"}}}, "no lookup input"},
		{"constant of the wrong type", etl.Constants{{Name: "c", Type: etl.Integer, Value: "x"}}, "string value for a integer field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &etl.Collector{}
			p := etl.New("bad").Then("source", peopleRows()).Then("step", tt.step).Then("sink", sink)
			_, err := p.Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `step "step"`) {
				t.Fatalf("error %v, want one about step \"step\" containing %q", err, tt.want)
			}
			if len(sink.Rows()) != 0 {
				t.Fatalf("rows moved: %v", sink.Rows())
			}
		})
	}
}

func TestGraphErrors(t *testing.T) {
	src := peopleRows()
	tests := []struct {
		name string
		p    *etl.Pipeline
		want string
	}{
		{"empty", etl.New("x"), "no steps"},
		{"duplicate name", etl.New("x").Add("a", src).Add("a", src), `two steps are named "a"`},
		{"unknown hop target", etl.New("x").Add("a", src).Connect(etl.Hop{From: "a", To: "b"}), `no step "b"`},
		{"loop", etl.New("x").Add("a", src).Add("b", etl.Pass{}).Add("c", etl.Pass{}).
			Connect(etl.Hop{From: "a", To: "b"}, etl.Hop{From: "b", To: "c"}, etl.Hop{From: "c", To: "b"}), "form a loop"},
		{"unknown port", etl.New("x").Add("a", src).Add("b", etl.Pass{}).Connect(etl.Hop{From: "a", FromPort: "nope", To: "b"}), `has no output "nope"`},
		{"copies of a serial step", etl.New("x").Add("a", src).Add("s", etl.Sort{}, etl.Copies(2)), "cannot run as several copies"},
		{"mismatched merge", etl.New("x").Add("a", src).Add("b", etl.Constants{{Name: "c", Type: etl.String}}).Add("m", etl.Pass{}).
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
	kept, dropped, all := &etl.Collector{}, &etl.Collector{}, &etl.Collector{}
	p := etl.New("split").
		Add("source", peopleRows()).
		Add("filter", etl.Filter{Where: etl.Expr(`name == "bob"`)}).
		Add("kept", kept).Add("dropped", dropped).
		Add("merge", etl.Pass{}).Add("all", all).
		Connect(
			etl.Hop{From: "source", To: "filter"},
			etl.Hop{From: "filter", To: "kept"},
			etl.Hop{From: "filter", FromPort: etl.Unmatched, To: "dropped"},
			etl.Hop{From: "filter", To: "merge"},
			etl.Hop{From: "filter", FromPort: etl.Unmatched, To: "merge"},
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

func TestLookup(t *testing.T) {
	teams := etl.Rows{Schema: etl.MustSchema(etl.Field{Name: "who", Type: etl.String}, etl.Field{Name: "team", Type: etl.String}),
		Rows: []etl.Row{{"ada", "red"}, {"bob", "blue"}}}
	out := &etl.Collector{}
	p := etl.New("lookup").Add("people", peopleRows()).Add("teams", teams).
		Add("join", etl.Lookup{Keys: []etl.LookupKey{{Field: "name", LookupField: "who"}},
			Values: []etl.LookupValue{{LookupField: "team", Default: "none"}}}).
		Add("out", out).
		Connect(etl.Hop{From: "people", To: "join"}, etl.Hop{From: "teams", To: "join", ToPort: etl.LookupPort},
			etl.Hop{From: "join", To: "out"})
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := format(out.Rows()), "[1 ada 9.5 red] [2 bob <nil> blue] [3 Cy 7 none] [4 bob 3.25 blue]"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestDiff(t *testing.T) {
	target := etl.Rows{Schema: people, Rows: []etl.Row{
		{int64(1), "ada", 9.5},  // identical
		{int64(2), "bob", 1.0},  // changed
		{int64(9), "gone", nil}, // deleted
	}}
	diff := &etl.Diff{Keys: []string{"id"}}
	out := &etl.Collector{}
	p := etl.New("diff").Add("target", target).Add("source", peopleRows()).Add("diff", diff).Add("out", out).
		Connect(etl.Hop{From: "target", To: "diff", ToPort: etl.ReferencePort},
			etl.Hop{From: "source", To: "diff", ToPort: etl.ComparePort}, etl.Hop{From: "diff", To: "out"})
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "[1 ada 9.5 identical] [2 bob <nil> changed] [3 Cy 7 new] [4 bob 3.25 new] [9 <nil> <nil> deleted]"
	if got := format(out.Rows()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if c := diff.Counts(); c != (etl.DiffCounts{New: 2, Changed: 1, Deleted: 1, Identical: 1}) {
		t.Fatalf("counts %+v", c)
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
		{"error", etl.Compute{Fields: []etl.Computed{{Name: "x", Value: etl.Func{Fields: []string{"id"},
			Fn: func([]any) (any, error) { return nil, boom }}}}}, boom},
		{"panic", etl.Compute{Fields: []etl.Computed{{Name: "x", Value: etl.Func{Fields: []string{"id"},
			Fn: func([]any) (any, error) { panic("bug") }}}}}, etl.ErrStepPanicked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endless := peopleRows()
			endless.Forever = true
			p := etl.New("fail").Then("source", endless).Then("step", tt.step).Then("sink", &etl.Collector{})
			_, err := p.Run(context.Background())
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), `step "step"`) {
				t.Fatalf("err = %v, want %v from step", err, tt.want)
			}
		})
	}
}

func TestCopiesShareTheInput(t *testing.T) {
	src := peopleRows()
	src.Times = 1000
	out := &etl.Collector{}
	p := etl.New("copies").Then("source", src).
		Then("compute", etl.Compute{Fields: []etl.Computed{{Name: "n", Value: etl.Expr(`id + 1`)}}}, etl.Copies(3)).
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
	if !reflect.DeepEqual(people.Names(), []string{"id", "name", "score"}) {
		t.Error(people.Names())
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
		fail := etl.Compute{Fields: []etl.Computed{{Name: "x", Value: etl.Func{Fields: []string{"id"},
			Fn: func(a []any) (any, error) {
				if a[0] == int64(3) {
					return nil, errors.New("boom")
				}
				return nil, nil
			}}}}}
		_, err := etl.New("fail").Then("source", peopleRows()).Then("fail", fail).Then("sink", sink).
			Run(context.Background(), etl.WithBatchSize(1))
		if err == nil || sink.err == nil {
			t.Fatalf("run error %v, sink's input ended with %v", err, sink.err)
		}
	}
}

// Beyond its memory, a sort spills sorted runs to disk and merges them,
// with the same result as in memory: stable, unique when asked.
func TestSortSpills(t *testing.T) {
	schema := etl.MustSchema(etl.Field{Name: "k", Type: etl.Integer}, etl.Field{Name: "seq", Type: etl.Integer},
		etl.Field{Name: "at", Type: etl.Time}, etl.Field{Name: "b", Type: etl.Binary})
	src := etl.Rows{Schema: schema}
	for i := range 100 {
		src.Rows = append(src.Rows, etl.Row{int64((i * 37) % 10), int64(i), time.Unix(int64(i), 0).UTC(), []byte{byte(i)}})
	}
	src.Rows[5][2] = nil
	src.Rows[6][3] = []byte{}
	for _, unique := range []bool{false, true} {
		sortWith := func(memory int) []etl.Row {
			dir := t.TempDir()
			out := &etl.Collector{}
			sort := etl.Sort{Keys: []etl.SortKey{{Field: "k", Descending: true}}, Unique: unique, Memory: memory, Dir: dir}
			if _, err := etl.New("sort").Then("source", src).Then("sort", sort).Then("out", out).Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("temporary files left: %v", left)
			}
			return out.Rows()
		}
		inMemory, spilled := sortWith(0), sortWith(7)
		if !reflect.DeepEqual(inMemory, spilled) {
			t.Fatalf("unique=%v: spilled sort differs:\n%v\n%v", unique, inMemory, spilled)
		}
		if want := map[bool]int{false: 100, true: 10}[unique]; len(spilled) != want || spilled[0][0] != int64(9) {
			t.Fatalf("unique=%v: %d rows, first %v", unique, len(spilled), spilled[0])
		}
	}
}

// A diff whose two inputs come from one step would wait on itself: Plan
// refuses it rather than let the run hang.
func TestFirstInputCannotShareUpstream(t *testing.T) {
	p := etl.New("diamond").
		Add("source", peopleRows()).
		Add("split", etl.Filter{Where: etl.Expr(`id > 2`)}).
		Add("diff", &etl.Diff{Keys: []string{"id"}}).
		Add("out", &etl.Collector{}).
		Connect(etl.Hop{From: "source", To: "split"},
			etl.Hop{From: "split", To: "diff", ToPort: etl.ComparePort},
			etl.Hop{From: "split", FromPort: etl.Unmatched, To: "diff", ToPort: etl.ReferencePort},
			etl.Hop{From: "diff", To: "out"})
	if err := p.Plan(context.Background()); err == nil || !strings.Contains(err.Error(), "feeds both") {
		t.Fatalf("Plan = %v", err)
	}
}

package step_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/internal/etltest"
	"github.com/articlekit/articlekit/etl/step"
)

// run runs source → step → collector and returns what arrived.
func run(t *testing.T, s etl.Step, opts ...etl.RunOption) (*etl.Schema, []etl.Row) {
	t.Helper()
	out := &step.Collector{}
	p := etl.New("test").Then("source", etltest.PeopleRows()).Then("step", s).Then("sink", out)
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
		{"pass", step.Pass{}, "(id:integer, name:string, score:number)",
			"[1 ada 9.5] [2 bob <nil>] [3 Cy 7] [4 bob 3.25]"},
		{"filter", step.Filter{Where: step.Expr(`score != nil && score > 5`)}, "(id:integer, name:string, score:number)",
			"[1 ada 9.5] [3 Cy 7]"},
		{"compute", step.Compute{Fields: []step.Computed{
			{Name: "label", Type: etl.String, Value: step.Expr(`upper(name) + "#" + string(id)`)},
			{Name: "id", Type: etl.Integer, Value: step.Expr(`id * 10`)},
			{Name: "tmp", Value: step.Expr(`1`)},
		}, Remove: []string{"tmp"}}, "(id:integer, name:string, score:number, label:string)",
			"[10 ada 9.5 ADA#1] [20 bob <nil> BOB#2] [30 Cy 7 CY#3] [40 bob 3.25 BOB#4]"},
		{"constants", step.Constants{{Name: "src", Type: etl.String, Value: "A"}, {Name: "none", Type: etl.Integer}},
			"(id:integer, name:string, score:number, src:string, none:integer)",
			"[1 ada 9.5 A <nil>] [2 bob <nil> A <nil>] [3 Cy 7 A <nil>] [4 bob 3.25 A <nil>]"},
		{"select", step.Select{Fields: []step.Pick{{Name: "name", Rename: "who"}, {Name: "id"}},
			Retype: []step.Retype{{Name: "id", Rename: "key", Type: etl.String}}}, "(who:string, key:string)",
			"[ada 1] [bob 2] [Cy 3] [bob 4]"},
		{"select unspecified and remove", step.Select{Fields: []step.Pick{{Name: "score"}}, Unspecified: true, Remove: []string{"id"}},
			"(score:number, name:string)", "[9.5 ada] [<nil> bob] [7 Cy] [3.25 bob]"},
		{"map values to a new field", step.MapValues{Field: "name", Target: "full", Mapping: map[string]string{"ada": "Ada Lovelace"}, Default: &def},
			"(id:integer, name:string, score:number, full:string)",
			"[1 ada 9.5 Ada Lovelace] [2 bob <nil> unknown] [3 Cy 7 unknown] [4 bob 3.25 unknown]"},
		{"map values in place", step.MapValues{Field: "id", Mapping: map[string]string{"2": "two"}},
			"(id:string, name:string, score:number)", "[1 ada 9.5] [two bob <nil>] [3 Cy 7] [4 bob 3.25]"},
		{"sort", step.Sort{Keys: []step.SortKey{{Field: "name", IgnoreCase: true}, {Field: "id", Descending: true}}},
			"(id:integer, name:string, score:number)", "[1 ada 9.5] [4 bob 3.25] [2 bob <nil>] [3 Cy 7]"},
		{"sort unique", step.Sort{Keys: []step.SortKey{{Field: "name"}}, Unique: true},
			"(id:integer, name:string, score:number)", "[3 Cy 7] [1 ada 9.5] [2 bob <nil>]"},
		{"unique", step.Unique{Fields: []string{"name"}},
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
		{"unknown field in expression", step.Filter{Where: step.Expr(`nope > 1`)}, "unknown name nope"},
		{"syntax error", step.Compute{Fields: []step.Computed{{Name: "x", Value: step.Expr(`1 +`)}}}, "expression"},
		{"select unknown", step.Select{Fields: []step.Pick{{Name: "nope"}}}, `cannot select "nope"`},
		{"duplicate output field", step.Select{Fields: []step.Pick{{Name: "id"}, {Name: "name", Rename: "id"}}}, `field "id" appears twice`},
		{"sort unknown", step.Sort{Keys: []step.SortKey{{Field: "nope"}}}, `no field "nope"`},
		{"lookup without lookup input", step.Lookup{Keys: []step.LookupKey{{Field: "id", LookupField: "id"}}}, "no lookup input"},
		{"constant of the wrong type", step.Constants{{Name: "c", Type: etl.Integer, Value: "x"}}, "string value for a integer field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &step.Collector{}
			p := etl.New("bad").Then("source", etltest.PeopleRows()).Then("step", tt.step).Then("sink", sink)
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

func TestLookup(t *testing.T) {
	teams := step.Rows{Schema: etl.MustSchema(etl.Field{Name: "who", Type: etl.String}, etl.Field{Name: "team", Type: etl.String}),
		Rows: []etl.Row{{"ada", "red"}, {"bob", "blue"}}}
	out := &step.Collector{}
	p := etl.New("lookup").Add("etltest.People", etltest.PeopleRows()).Add("teams", teams).
		Add("join", step.Lookup{Keys: []step.LookupKey{{Field: "name", LookupField: "who"}},
			Values: []step.LookupValue{{LookupField: "team", Default: "none"}}}).
		Add("out", out).
		Connect(etl.Hop{From: "etltest.People", To: "join"}, etl.Hop{From: "teams", To: "join", ToPort: step.LookupPort},
			etl.Hop{From: "join", To: "out"})
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := format(out.Rows()), "[1 ada 9.5 red] [2 bob <nil> blue] [3 Cy 7 none] [4 bob 3.25 blue]"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestDiff(t *testing.T) {
	target := step.Rows{Schema: etltest.People, Rows: []etl.Row{
		{int64(1), "ada", 9.5},  // identical
		{int64(2), "bob", 1.0},  // changed
		{int64(9), "gone", nil}, // deleted
	}}
	diff := &step.Diff{Keys: []string{"id"}}
	out := &step.Collector{}
	p := etl.New("diff").Add("target", target).Add("source", etltest.PeopleRows()).Add("diff", diff).Add("out", out).
		Connect(etl.Hop{From: "target", To: "diff", ToPort: step.ReferencePort},
			etl.Hop{From: "source", To: "diff", ToPort: step.ComparePort}, etl.Hop{From: "diff", To: "out"})
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "[1 ada 9.5 identical] [2 bob <nil> changed] [3 Cy 7 new] [4 bob 3.25 new] [9 <nil> <nil> deleted]"
	if got := format(out.Rows()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if c := diff.Counts(); c != (step.DiffCounts{New: 2, Changed: 1, Deleted: 1, Identical: 1}) {
		t.Fatalf("counts %+v", c)
	}
}

// Beyond its memory, a sort spills sorted runs to disk and merges them,
// with the same result as in memory: stable, unique when asked.
func TestSortSpills(t *testing.T) {
	schema := etl.MustSchema(etl.Field{Name: "k", Type: etl.Integer}, etl.Field{Name: "seq", Type: etl.Integer},
		etl.Field{Name: "at", Type: etl.Time}, etl.Field{Name: "b", Type: etl.Binary})
	src := step.Rows{Schema: schema}
	for i := range 100 {
		src.Rows = append(src.Rows, etl.Row{int64((i * 37) % 10), int64(i), time.Unix(int64(i), 0).UTC(), []byte{byte(i)}})
	}
	src.Rows[5][2] = nil
	src.Rows[6][3] = []byte{}
	for _, unique := range []bool{false, true} {
		sortWith := func(memory int) []etl.Row {
			dir := t.TempDir()
			out := &step.Collector{}
			sort := step.Sort{Keys: []step.SortKey{{Field: "k", Descending: true}}, Unique: unique, Memory: memory, Dir: dir}
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

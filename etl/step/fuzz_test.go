package step_test

import (
	"context"
	"testing"
	"time"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/internal/etltest"
	"github.com/articlekit/articlekit/etl/step"
)

// No expression may crash a run: it compiles and evaluates, or fails the
// step with an error.
func FuzzExpr(f *testing.F) {
	rows := etltest.PeopleRows()
	for _, seed := range []string{
		`score > 5`, `upper(trim(name)) + "!"`, `id * 10 / 0`, `name[5:2]`, `split(name, "")[99]`,
		`$env["score"] ?? 1`, `date("x")`, `repeat(name, 1e9)`, `let x = 1; x + id`, `map(1..10, # * id)`,
		`nil.x`, `1 +`, `"\xff"`, `score ** 1e308`, `int("9999999999999999999999")`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p := etl.New("fuzz").Then("source", rows).
			Then("filter", step.Filter{Where: step.Expr(code)}).
			Then("compute", step.Compute{Fields: []step.Computed{{Name: "x", Value: step.Expr(code)}}}).
			Then("sink", &step.Collector{})
		res, err := p.Run(ctx)
		if err == nil && res.Step("sink").Read > int64(len(rows.Rows)) {
			t.Fatalf("%d rows out of %d", res.Step("sink").Read, len(rows.Rows))
		}
	})
}

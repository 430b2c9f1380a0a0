package etl_test

import (
	"context"
	"fmt"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/step"
)

// A pipeline from fixed rows through a filter and a computed field into a
// collector.
func ExamplePipeline_Run() {
	schema := etl.MustSchema(etl.Field{Name: "title", Type: etl.String}, etl.Field{Name: "words", Type: etl.Integer})
	out := &step.Collector{}
	p := etl.New("example").
		Then("read", step.Rows{Schema: schema, Rows: []etl.Row{{"  Go  ", int64(900)}, {"Draft", int64(12)}, {"Kafka", int64(1500)}}}).
		Then("long", step.Filter{Where: step.Expr(`words >= 100`)}).
		Then("clean", step.Compute{Fields: []step.Computed{{Name: "title", Type: etl.String, Value: step.Expr(`upper(trim(title))`)}}}).
		Then("keep", out)
	res, err := p.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range out.Rows() {
		fmt.Println(r[0], r[1])
	}
	fmt.Println("filtered out:", res.Step("long").Read-res.Step("clean").Read)
	// Output:
	// GO 900
	// KAFKA 1500
	// filtered out: 1
}

package step_test

import (
	"context"
	"fmt"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/step"
)

// A diff of the rows as they should be against the rows as they are: each
// row flagged, the missing ones last.
func ExampleDiff() {
	schema := etl.MustSchema(etl.Field{Name: "id", Type: etl.Integer}, etl.Field{Name: "title", Type: etl.String})
	target := step.Rows{Schema: schema, Rows: []etl.Row{{int64(1), "Go"}, {int64(2), "Kafka"}, {int64(3), "Gone"}}}
	source := step.Rows{Schema: schema, Rows: []etl.Row{{int64(1), "Go"}, {int64(2), "Kafka 4"}, {int64(4), "New"}}}
	diff := &step.Diff{Keys: []string{"id"}}
	out := &step.Collector{}
	_, err := etl.New("diff").
		Add("target", target).Add("source", source).Add("diff", diff).Add("out", out).
		Connect(etl.Hop{From: "target", To: "diff", ToPort: step.ReferencePort},
			etl.Hop{From: "source", To: "diff", ToPort: step.ComparePort},
			etl.Hop{From: "diff", To: "out"}).
		Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range out.Rows() {
		fmt.Println(r...)
	}
	fmt.Printf("%+v\n", diff.Counts())
	// Output:
	// 1 Go identical
	// 2 Kafka 4 changed
	// 4 New new
	// 3 <nil> deleted
	// {New:1 Changed:1 Deleted:1 Identical:1}
}

// Computed fields, each able to use the ones before it, and a temporary
// one removed.
func ExampleCompute() {
	schema := etl.MustSchema(etl.Field{Name: "title", Type: etl.String}, etl.Field{Name: "words", Type: etl.Integer})
	out := &step.Collector{}
	_, err := etl.New("compute").
		Then("read", step.Rows{Schema: schema, Rows: []etl.Row{{" go ", int64(900)}, {"kafka", int64(1500)}}}).
		Then("compute", step.Compute{Fields: []step.Computed{
			{Name: "title", Type: etl.String, Value: step.Expr(`upper(trim(title))`)},
			{Name: "minutes", Type: etl.Integer, Value: step.Expr(`words / 250`)},
			{Name: "label", Type: etl.String, Value: step.Expr(`title + " (" + string(minutes) + " min)"`)},
		}, Remove: []string{"minutes"}}).
		Then("keep", out).
		Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Schema())
	for _, r := range out.Rows() {
		fmt.Println(r...)
	}
	// Output:
	// (title:string, words:integer, label:string)
	// GO 900 GO (4 min)
	// KAFKA 1500 KAFKA (6 min)
}

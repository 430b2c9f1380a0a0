// Package step holds the standard pipeline steps, those that read or write
// no database, API or file: fixed rows (Rows), Select, Filter and Compute
// with expressions (Expr, in the expr language, or Go code with Func),
// Constants, MapValues, Sort (spilling to disk beyond its memory), Unique,
// Lookup (a stream lookup), Diff (two streams compared by key), Pass, and
// Collector, which keeps rows in memory.
//
//	out := &step.Collector{}
//	p := etl.New("long reads").
//		Then("read", step.Rows{Schema: schema, Rows: rows}).
//		Then("long", step.Filter{Where: step.Expr(`words >= 100`)}).
//		Then("order", step.Sort{Keys: []step.SortKey{{Field: "words", Descending: true}}}).
//		Then("keep", out)
//
// A step's name says what it does to the rows; its comment names the Kettle
// step it stands for (step.Filter is Kettle's Filter rows, step.Lookup its
// Stream lookup, step.Diff its Merge rows), as etl/ktr maps them.
package step

// Package etl is ArticleKit's streaming pipeline engine. A Pipeline is a
// graph of steps joined by hops; each hop holds a few batches of typed rows
// (DefaultBuffer batches of DefaultBatchSize rows), so a fast source waits
// for a slow sink and memory stays constant whatever the row count.
//
//	p := etl.New("a-to-b").
//		Then("read", &sqlio.Query{DB: src, SQL: "SELECT id, title FROM articles"}).
//		Then("clean", step.Compute{Fields: []step.Computed{{Name: "title", Value: step.Expr("trim(title)")}}}, etl.Copies(2)).
//		Then("write", &sqlio.Table{DB: dst, Name: "articles", Mode: sqlio.Upsert, Keys: []sqlio.Key{{Column: "id"}}})
//	res, err := p.Run(ctx, etl.WithLogger(log), etl.WithMetrics(m))
//
// Run plans every step against the schemas of its inputs before a row
// moves (Plan does only that), so a mistake fails the whole pipeline up
// front; then it runs the steps side by side, Concurrent ones in copies,
// and the first to fail stops the others and names itself. RunScheduled
// runs a pipeline on a Schedule; Module runs the pipelines contributed with
// AsPipeline from an fx application's start to its stop; Metrics counts
// rows and runs.
//
// A step is anything that implements Step: Plan maps the Schemas of its
// input ports to those of its outputs, Run reads its Inputs and emits Rows
// to its Outputs (EachRow is the loop of most row-at-a-time steps). A Row
// holds, per Field, nil or a value of the Go type its Type names; Convert,
// Text, Compare and AppendKey give those values one meaning in every step.
// The steps themselves live beside the engine: the standard ones in
// etl/step, databases in etl/sqlio, the REST API in etl/restio, files in
// etl/fileio; etl/pipefile and etl/ktr build pipelines from YAML and Kettle
// files, and etl/load loads either kind.
package etl

// Package built holds what a pipeline file builds into, whichever its
// kind: a Pipeline is the etl pipeline, its diff steps (for their counts),
// its schedule and the database connections its steps use, which Close
// closes. etl/pipefile (YAML) and etl/ktr (Kettle) build one; etl/load
// builds either from a path.
//
//	b, err := load.File("sync.yaml")
//	if err != nil { … }
//	defer b.Close()
//	err = etl.RunScheduled(ctx, b.Pipeline, b.Schedule, etl.WithLogger(log))
//	for name, d := range b.Diffs {
//		fmt.Println(name, d.Counts())
//	}
//
// With fx, AsPipeline contributes one to etl.Module, which runs it on its
// schedule; its connections close when the application stops.
package built

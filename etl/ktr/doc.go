// Package ktr runs Pentaho Data Integration (Kettle) transformation files
// (.ktr) as ArticleKit pipelines: it parses them, resolves their variables
// and builds a pipeline of their steps.
//
//	t, err := ktr.ParseFile("load.ktr")
//	if err != nil { … }
//	vars, err := ktr.ResolveVariables(t, os.Environ(), paramsFile)
//	b, err := ktr.Build(t, ktr.Options{Variables: vars, Overrides: vars, Path: "load.ktr"})
//	if err != nil {
//		return err // ktr: unsupported steps: "Execute SQL" (ExecSQL), …
//	}
//	defer b.Close()
//	res, err := b.Pipeline.Run(ctx)
//
// Parse checks the document's structure (one <transformation> root, named
// and typed steps with unique names, hops between known steps, sane copy
// counts) and bounds its size and nesting, so hostile input fails with an
// error. The result is the transformation's shape: its steps, hops,
// database connections and parameters. Build reads each step's settings,
// in Kettle's XML, as Kettle would (its defaults for what a file leaves
// out, Y/N flags, Java date masks), and maps the step to an etl step; a
// file with a step type it does not run fails as a whole, with an
// *UnsupportedStepsError naming every such step (Transformation.Check finds
// them without building). Text that Kettle lets hold ${VAR} or %%VAR%%
// references is expanded with Variables.
//
// Connection.DSN maps a Kettle connection to an ArticleKit DATABASE_URL
// (sqlite://, postgres://, mysql://), with per-connection overrides for the
// databases Go cannot reach, such as the H2 databases of Kettle's samples.
package ktr

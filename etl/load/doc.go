// Package load builds the pipeline in a file, by its name: a Pentaho
// Kettle transformation (.ktr, with etl/ktr) or ArticleKit's YAML (with
// etl/pipefile). ${NAME} references take their values from the
// environment (and, in a .ktr file, from a params file and the file's
// parameter defaults); a .ktr file's connections give way to
// KTR_CONNECTION_<NAME>_URL, _USER and _PASSWORD variables.
//
//	b, err := load.File("nightly.ktr", load.Params("nightly.properties"))
//	if err != nil { … }
//	defer b.Close()
//	res, err := b.Pipeline.Run(ctx)
//
// With fx, Provide contributes files to etl.Module, which runs each on its
// schedule from start to stop; their connections close when the
// application stops:
//
//	fx.New(fx.Supply(log), etl.Module, load.Provide("sync.yaml", "nightly.ktr"))
package load

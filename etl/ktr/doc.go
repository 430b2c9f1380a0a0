// Package ktr reads Pentaho Data Integration (Kettle) transformation files
// (.ktr) into a typed model: steps, the hops between them, database
// connections and parameters, and for the step types ArticleKit runs, their
// settings.
//
//	t, err := ktr.ParseFile("load.ktr")
//	if err != nil { … }
//	if err := t.Check(); err != nil {
//		return err // ktr: unsupported steps: "Execute SQL" (ExecSQL), …
//	}
//	vars, err := ktr.ResolveVariables(t, os.Environ(), paramsFile)
//	for _, s := range t.Steps {
//		meta, err := s.Decode()
//		switch m := meta.(type) {
//		case *ktr.TableInputMeta:
//			conn := … // the t.Connections entry named m.Connection
//			dsn, err := conn.DSN(vars, envMap)
//			query := vars.Expand(m.SQL) // when m.VariablesActive
//		case *ktr.FilterRowsMeta:
//			… // m.Condition, m.SendTrueTo, m.SendFalseTo
//		}
//	}
//
// Parse checks the document's structure (one <transformation> root, named
// and typed steps with unique names, hops between known steps, sane copy
// counts) and bounds its size and nesting, so hostile input fails with an
// error. Step settings are decoded on demand by Step.Decode, into the
// *…Meta type named after the step type. Text that Kettle lets hold ${VAR}
// or %%VAR%% references stays as written, for Variables.Expand. Kettle's
// Y/N flags become YesNo (a bool); numeric lengths and precisions are ints,
// -1 when not set.
//
// Connection.DSN maps a Kettle connection to an ArticleKit DATABASE_URL
// (sqlite://, postgres://, mysql://), with per-connection overrides for the
// databases Go cannot reach, such as the H2 databases of Kettle's samples.
package ktr

// Package pipefile reads ArticleKit's own pipeline files: YAML that names
// connections and steps, and the hops between them when they are not a
// straight line. ${NAME} references take their values from the lookup
// given to Parse (os.LookupEnv in a program); File.Build opens the
// connections and builds a built.Pipeline.
//
//	name: articles-a-to-b
//	connections:
//	  a: sqlite://articles.db
//	  b: ${TARGET_URL}
//	rest: http://127.0.0.1:5000
//	steps:
//	  - {name: read, type: query, connection: a, sql: "SELECT * FROM articles WHERE deleted_at IS NULL",
//	     incremental: [updated_at, id]}
//	  - {name: check, type: validate, max_rejects: 100}
//	  - {name: write, type: table, connection: b, table: articles, mode: upsert, keys: [id], version: version}
//	  - {name: rejects, type: table, connection: b, table: rejected_articles}
//	hops:
//	  - {from: read, to: check}
//	  - {from: check, to: write}
//	  - {from: check, port: reject, to: rejects}
//
// Step types: query, table, articles, validate, rest_writer, filter,
// compute, select, constants, map_values, sort, unique, lookup, diff,
// file_input, file_output, pass.
// See the README for every step's settings.
package pipefile

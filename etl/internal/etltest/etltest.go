// Package etltest holds the rows the tests of the etl packages share.
package etltest

import (
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/step"
)

// People is the schema of PeopleRows.
var People = etl.MustSchema(
	etl.Field{Name: "id", Type: etl.Integer},
	etl.Field{Name: "name", Type: etl.String},
	etl.Field{Name: "score", Type: etl.Number},
)

// PeopleRows emits four people: two named bob, one without a score.
func PeopleRows() step.Rows {
	return step.Rows{Schema: People, Rows: []etl.Row{
		{int64(1), "ada", 9.5},
		{int64(2), "bob", nil},
		{int64(3), "Cy", 7.0},
		{int64(4), "bob", 3.25},
	}}
}

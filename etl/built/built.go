package built

import (
	"errors"

	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/step"
)

// Pipeline is a pipeline built from a file, with the database connections
// it opened.
type Pipeline struct {
	Pipeline *etl.Pipeline
	// Diffs are the pipeline's diff steps (Kettle's MergeRows), by step
	// name, for their counts.
	Diffs map[string]*step.Diff
	// Schedule is when the file says the pipeline runs; the zero Schedule
	// runs it once.
	Schedule etl.Schedule
	dbs      map[string]*sqldb.DB
}

// New returns a Pipeline with an empty etl pipeline named name, for a
// builder to fill.
func New(name string) *Pipeline {
	return &Pipeline{Pipeline: etl.New(name), Diffs: map[string]*step.Diff{}, dbs: map[string]*sqldb.DB{}}
}

// Connection returns the database connection named name, opening url the
// first time, so that the steps of a pipeline that name one connection
// share it. Close closes it.
func (p *Pipeline) Connection(name, url string) (*sqldb.DB, error) {
	if db, ok := p.dbs[name]; ok {
		return db, nil
	}
	db, err := sqldb.Open(url, sqldb.Options{})
	if err != nil {
		return nil, err
	}
	p.dbs[name] = db
	return db, nil
}

// Close closes the connections.
func (p *Pipeline) Close() error {
	var errs []error
	for _, db := range p.dbs {
		errs = append(errs, db.Close())
	}
	return errors.Join(errs...)
}

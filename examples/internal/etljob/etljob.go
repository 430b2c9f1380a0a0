// Package etljob loads the pipeline files the example programs run.
package etljob

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/ktr"
	"github.com/articlekit/articlekit/etl/pipefile"
	"github.com/articlekit/articlekit/etl/step"
)

// Job is a built pipeline, from either kind of file.
type Job struct {
	Pipeline *etl.Pipeline
	Diffs    map[string]*step.Diff
	Schedule etl.Schedule
	Close    func() error
}

// Load builds the pipeline in the file at path: ArticleKit's YAML, or a
// Pentaho Kettle transformation (.ktr), whose variables come from the
// environment, the params file (NAME=value lines; "" for none) and the
// file's defaults. dryRun builds it to write nothing.
func Load(path, params string, dryRun bool) (*Job, error) {
	if strings.EqualFold(filepath.Ext(path), ".ktr") {
		return loadKTR(path, params, dryRun)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	file, err := pipefile.Parse(f, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	b, err := file.Build(dryRun)
	if err != nil {
		return nil, err
	}
	return &Job{Pipeline: b.Pipeline, Diffs: b.Diffs, Schedule: b.Schedule, Close: b.Close}, nil
}

func loadKTR(path, params string, dryRun bool) (*Job, error) {
	t, err := ktr.ParseFile(path)
	if err != nil {
		return nil, err
	}
	var paramsFile io.Reader
	if params != "" {
		f, err := os.Open(params)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		paramsFile = f
	}
	vars, err := ktr.ResolveVariables(t, os.Environ(), paramsFile)
	if err != nil {
		return nil, err
	}
	b, err := ktr.Build(t, ktr.Options{Variables: vars, Overrides: vars, Path: path, DryRun: dryRun})
	if err != nil {
		return nil, err
	}
	return &Job{Pipeline: b.Pipeline, Diffs: b.Diffs, Close: b.Close}, nil
}

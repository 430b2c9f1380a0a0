package load

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/articlekit/articlekit/etl/built"
	"github.com/articlekit/articlekit/etl/ktr"
	"github.com/articlekit/articlekit/etl/pipefile"
)

// Option tunes File.
type Option func(*options)

type options struct {
	params string
	dryRun bool
}

// Params takes a .ktr file's parameters from the file at path: NAME=value
// lines (see ktr.ResolveVariables), which win over the environment.
func Params(path string) Option { return func(o *options) { o.params = path } }

// DryRun builds the pipeline to write nothing: the steps that write pass
// their rows on instead, so its diffs report what a run would change.
func DryRun() Option { return func(o *options) { o.dryRun = true } }

// File builds the pipeline in the file at path: a Kettle transformation
// when its name ends in .ktr (in any case), ArticleKit's YAML otherwise.
func File(path string, opts ...Option) (*built.Pipeline, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if strings.EqualFold(filepath.Ext(path), ".ktr") {
		return kettle(path, o)
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
	return file.Build(o.dryRun)
}

func kettle(path string, o options) (*built.Pipeline, error) {
	t, err := ktr.ParseFile(path)
	if err != nil {
		return nil, err
	}
	var params io.Reader
	if o.params != "" {
		f, err := os.Open(o.params)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		params = f
	}
	vars, err := ktr.ResolveVariables(t, os.Environ(), params)
	if err != nil {
		return nil, err
	}
	return ktr.Build(t, ktr.Options{Variables: vars, Overrides: vars, Path: path, DryRun: o.dryRun})
}

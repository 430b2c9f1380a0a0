package load

import (
	"fmt"

	"go.uber.org/fx"

	"github.com/articlekit/articlekit/etl/built"
)

// Provide contributes the pipelines in the files at paths to etl.Module,
// which runs each on its schedule. The files are built while the
// application is built, so a file that does not build fails fx.New,
// naming it; their connections close when the application stops.
func Provide(paths ...string) fx.Option {
	constructors := make([]any, len(paths))
	for i, path := range paths {
		constructors[i] = built.AsPipeline(func() (*built.Pipeline, error) {
			b, err := File(path)
			if err != nil {
				return nil, fmt.Errorf("pipeline file %s: %w", path, err)
			}
			return b, nil
		})
	}
	return fx.Provide(constructors...)
}

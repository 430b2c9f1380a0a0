package built

import (
	"go.uber.org/fx"

	"github.com/articlekit/articlekit/etl"
)

// AsPipeline makes a constructor of the pipeline build returns, for
// fx.Provide, that contributes it to etl.Module as etl.AsPipeline does:
//
//	fx.Provide(built.AsPipeline(func() (*built.Pipeline, error) { return file.Build(false) }))
//
// build runs while the application is built, so a pipeline that does not
// build fails fx.New; its connections close when the application stops,
// after etl.Module has stopped its runs.
func AsPipeline(build func() (*Pipeline, error)) any {
	return etl.AsPipeline(func(lc fx.Lifecycle) (etl.Scheduled, error) {
		p, err := build()
		if err != nil {
			return etl.Scheduled{}, err
		}
		lc.Append(fx.StopHook(p.Close))
		return etl.Scheduled{Pipeline: p.Pipeline, Schedule: p.Schedule}, nil
	})
}

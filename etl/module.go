package etl

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/internal/background"
)

// Module runs the pipelines contributed with AsPipeline, each on its
// schedule, from start to stop, with Metrics on the program's
// prometheus.Registerer (when it has one, as metrics.Module provides).
var Module = fx.Module("etl",
	fx.Provide(newModuleMetrics),
	fx.Invoke(runPipelines),
)

// Scheduled is a pipeline and when it runs.
type Scheduled struct {
	Pipeline *Pipeline
	Schedule Schedule
}

// AsPipeline annotates a constructor returning a Scheduled (and optionally
// an error) so that Module runs it.
func AsPipeline(constructor any) any {
	return fx.Annotate(constructor, fx.ResultTags(`group:"etl.pipelines"`))
}

type moduleParams struct {
	fx.In

	Registerer prometheus.Registerer `optional:"true"`
}

func newModuleMetrics(p moduleParams) (*Metrics, error) { return NewMetrics(p.Registerer) }

type runParams struct {
	fx.In

	Lifecycle fx.Lifecycle
	Log       *zap.Logger
	Metrics   *Metrics
	Pipelines []Scheduled `group:"etl.pipelines"`
}

func runPipelines(p runParams) error {
	for _, s := range p.Pipelines {
		if err := s.Schedule.Validate(); err != nil {
			return err
		}
	}
	var running background.Group
	p.Lifecycle.Append(fx.Hook{
		// Start only schedules the runs; they go on in the background.
		OnStart: func(context.Context) error {
			for _, s := range p.Pipelines {
				running.Go(func(ctx context.Context) {
					err := RunScheduled(ctx, s.Pipeline, s.Schedule, WithLogger(p.Log), WithMetrics(p.Metrics))
					if err != nil && ctx.Err() == nil {
						p.Log.Error("pipeline failed", zap.String("pipeline", s.Pipeline.Name()), zap.Error(err))
					}
				})
			}
			return nil
		},
		OnStop: running.Stop,
	})
	return nil
}

package articles

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/internal/background"
	"github.com/articlekit/articlekit/metrics"
)

// Module provides *Store and *Service from a Config, which the program
// supplies (fx.Supply). It migrates the schema on start, closes the database
// on stop, prunes published outbox events in the background, and
// contributes the service's metrics to metrics.Module.
var Module = fx.Module("articles",
	fx.Provide(
		newModuleStore,
		func(store *Store, log *zap.Logger) *Service { return NewService(store, WithLogger(log)) },
		metrics.AsCollector(func(s *Service) prometheus.Collector { return s.Collector() }),
	),
	fx.Invoke(startPruner),
)

func newModuleStore(lc fx.Lifecycle, cfg Config, log *zap.Logger) (*Store, error) {
	store, err := OpenStore(cfg, log)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.Hook{
		OnStart: store.Migrate,
		OnStop:  func(context.Context) error { return store.Close() },
	})
	return store, nil
}

func startPruner(lc fx.Lifecycle, cfg Config, store *Store, log *zap.Logger) {
	cfg = cfg.WithDefaults()
	if cfg.OutboxRetention < 0 {
		return
	}
	outbox, log := store.Outbox(), log.Named("articles.outbox")
	var run background.Group
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			run.Go(func(ctx context.Context) { prune(ctx, outbox, cfg.OutboxRetention, cfg.OutboxPruneInterval, log) })
			return nil
		},
		OnStop: run.Stop,
	})
}

// prune deletes published outbox events older than retention, every
// interval, until ctx ends.
func prune(ctx context.Context, outbox *Outbox, retention, every time.Duration, log *zap.Logger) {
	for background.Sleep(ctx, every, nil) {
		n, err := outbox.Prune(ctx, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("outbox prune failed", zap.Error(err))
		case n > 0:
			log.Info("outbox pruned", zap.Int64("events", n))
		}
	}
}

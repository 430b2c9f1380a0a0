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

// Module provides *Store, its *Outbox and a *Service from a Config, which
// the program supplies (fx.Supply). It migrates the schema on start, closes
// the database on stop, prunes published outbox events in the background,
// and contributes the service's metrics to metrics.Module.
var Module = fx.Module("articles",
	fx.Provide(
		func(lc fx.Lifecycle, cfg Config, log *zap.Logger) (*Store, error) {
			return openStore(lc, cfg, WithLogger(log))
		},
		func(store *Store) *Outbox { return store.Outbox() },
		func(store *Store, log *zap.Logger) *Service { return NewService(store, WithLogger(log)) },
		metrics.AsCollector(func(s *Service) prometheus.Collector { return s.Collector() }),
	),
	fx.Invoke(startPruner),
)

// Open opens the database cfg names as a Service whose schema lc migrates
// on start and whose database lc closes on stop — what Module does, for a
// program that needs a second database, such as the target of a sync:
//
//	fx.Provide(func(lc fx.Lifecycle) (kafkasync.Applier, error) {
//		return articles.Open(lc, articles.Config{DatabaseURL: replicaURL})
//	})
func Open(lc fx.Lifecycle, cfg Config, opts ...Option) (*Service, error) {
	store, err := openStore(lc, cfg, opts...)
	if err != nil {
		return nil, err
	}
	return NewService(store, opts...), nil
}

func openStore(lc fx.Lifecycle, cfg Config, opts ...Option) (*Store, error) {
	store, err := OpenStore(cfg, opts...)
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
	log = log.Named("articles.prune")
	var run background.Group
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			run.Go(func(ctx context.Context) { prune(ctx, store, cfg, log) })
			return nil
		},
		OnStop: run.Stop,
	})
}

// prune deletes, every cfg.OutboxPruneInterval until ctx ends, published
// outbox events older than cfg.OutboxRetention (unless it is negative) and
// idempotency keys older than cfg.IdempotencyKeyTTL.
func prune(ctx context.Context, store *Store, cfg Config, log *zap.Logger) {
	for background.Sleep(ctx, cfg.OutboxPruneInterval, nil) {
		now := time.Now()
		if cfg.OutboxRetention >= 0 {
			n, err := store.Outbox().Prune(ctx, now.Add(-cfg.OutboxRetention))
			switch {
			case err != nil && ctx.Err() == nil:
				log.Warn("outbox prune failed", zap.Error(err))
			case n > 0:
				log.Info("outbox pruned", zap.Int64("events", n))
			}
		}
		n, err := store.PruneKeys(ctx, now.Add(-cfg.IdempotencyKeyTTL))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("idempotency key prune failed", zap.Error(err))
		case n > 0:
			log.Info("idempotency keys pruned", zap.Int64("keys", n))
		}
	}
}

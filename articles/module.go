package articles

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/zap"

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
	p := &pruner{outbox: store.Outbox(), retention: cfg.OutboxRetention, every: cfg.OutboxPruneInterval,
		log: log.Named("articles.outbox")}
	lc.Append(fx.StartStopHook(p.start, p.stop))
}

// pruner deletes published outbox events older than the retention period.
type pruner struct {
	outbox    *Outbox
	retention time.Duration
	every     time.Duration
	log       *zap.Logger

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (p *pruner) start() {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.wg.Go(func() {
		tick := time.NewTicker(p.every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				n, err := p.outbox.Prune(ctx, time.Now().Add(-p.retention))
				switch {
				case err != nil && ctx.Err() == nil:
					p.log.Warn("outbox prune failed", zap.Error(err))
				case n > 0:
					p.log.Info("outbox pruned", zap.Int64("events", n))
				}
			}
		}
	})
}

func (p *pruner) stop() {
	p.cancel()
	p.wg.Wait()
}

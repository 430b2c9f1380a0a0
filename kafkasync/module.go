package kafkasync

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
)

// Module runs the relay and the consumer, from a Config the program
// supplies. Module, RelayModule and ConsumerModule are alternatives: a
// program includes one of them.
var Module = fx.Module("kafkasync", core, relayPart, consumerPart)

// RelayModule runs the relay of the *articles.Service in the graph (see
// articles.Module): it publishes that database's outbox.
var RelayModule = fx.Module("kafkasync.relay", core, relayPart)

// ConsumerModule runs the consumer, applying to Config.Applier's target.
var ConsumerModule = fx.Module("kafkasync.consumer", core, consumerPart)

var core = fx.Options(
	fx.Provide(newBrokers, newModuleMetrics),
	// The writer is the module's own: a program's *kafka.Writer, if any,
	// is left alone.
	fx.Provide(fx.Private, newModuleWriter),
)

var relayPart = fx.Options(
	fx.Provide(newModuleRelay),
	fx.Invoke(func(*Relay) {}),
)

var consumerPart = fx.Options(
	fx.Provide(newModuleApplier, newModuleConsumer),
	fx.Invoke(func(*Consumer) {}),
)

// Brokers are the bootstrap addresses the modules use: Config.Brokers, or
// the embedded development broker's.
type Brokers []string

func newBrokers(lc fx.Lifecycle, cfg Config, log *zap.Logger) (Brokers, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.Brokers) == 0 {
		// Started here rather than on start: the writer and reader need its
		// address now. It is in memory and starts at once.
		b, err := devbroker.Start()
		if err != nil {
			return nil, err
		}
		log.Warn("KAFKA_BROKERS is not set: using an embedded development broker (in memory, not Apache Kafka)",
			zap.Strings("addrs", b.Addrs()))
		lc.Append(fx.StopHook(b.Close))
		cfg.Brokers = b.Addrs()
	}
	lc.Append(fx.StartHook(func(ctx context.Context) error { return EnsureTopics(ctx, cfg) }))
	return Brokers(cfg.Brokers), nil
}

// MetricsParams are the dependencies of the module's metrics.
type MetricsParams struct {
	fx.In

	Registerer prometheus.Registerer `optional:"true"`
}

func newModuleMetrics(p MetricsParams) (*Metrics, error) { return NewMetrics(p.Registerer) }

func withBrokers(cfg Config, b Brokers) Config {
	cfg.Brokers = b
	return cfg
}

func newModuleWriter(lc fx.Lifecycle, cfg Config, b Brokers, log *zap.Logger) *kafka.Writer {
	w := NewWriter(withBrokers(cfg, b), log)
	lc.Append(fx.StopHook(w.Close))
	return w
}

func newModuleRelay(lc fx.Lifecycle, cfg Config, b Brokers, svc *articles.Service, w *kafka.Writer, m *Metrics, log *zap.Logger) *Relay {
	r := NewRelay(svc.Store().Outbox(), w, withBrokers(cfg, b), log, WithRelayMetrics(m))
	var run runner
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			run.start(r.Run)
			// Changes committed in this process wake the relay at once;
			// others' are found by polling.
			run.start(func(ctx context.Context) error {
				for ctx.Err() == nil {
					changes, _ := svc.Changes(ctx)
					for range changes {
						r.Wake()
					}
					// The feed closes when ctx ends or when it fell behind,
					// which a wake-up needs no catching up from.
					r.Wake()
				}
				return nil
			})
			return nil
		},
		OnStop: run.stop,
	})
	return r
}

// ApplierParams are the dependencies of the consumer's applier.
type ApplierParams struct {
	fx.In

	Lifecycle fx.Lifecycle
	Config    Config
	Logger    *zap.Logger
}

func newModuleApplier(p ApplierParams) (Applier, error) {
	cfg := p.Config.WithDefaults()
	if cfg.Applier == ApplierREST {
		return NewRESTApplierURL(cfg.TargetURL)
	}
	store, err := articles.OpenStore(articles.Config{DatabaseURL: cfg.TargetDatabaseURL}, p.Logger.Named("target"))
	if err != nil {
		return nil, err
	}
	p.Lifecycle.Append(fx.Hook{
		OnStart: store.Migrate,
		OnStop:  func(context.Context) error { return store.Close() },
	})
	return articles.NewService(store, articles.WithLogger(p.Logger.Named("target"))), nil
}

func newModuleConsumer(lc fx.Lifecycle, cfg Config, b Brokers, applier Applier, w *kafka.Writer, m *Metrics, log *zap.Logger) *Consumer {
	cfg = withBrokers(cfg, b)
	c := NewConsumer(nil, w, applier, cfg, log, WithConsumerMetrics(m))
	var run runner
	var reader *kafka.Reader
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			// The reader joins its group as soon as it exists: only now, once
			// the topics surely exist.
			reader = NewReader(cfg, log)
			c.reader = reader
			run.start(c.Run)
			run.start(func(ctx context.Context) error {
				tick := time.NewTicker(5 * time.Second)
				defer tick.Stop()
				for {
					select {
					case <-ctx.Done():
						return nil
					case <-tick.C:
						m.lag.Set(float64(reader.Stats().Lag))
					}
				}
			})
			return nil
		},
		OnStop: func(ctx context.Context) error {
			err := run.stop(ctx)
			if reader != nil {
				err = errors.Join(err, reader.Close())
			}
			return err
		},
	})
	return c
}

// runner owns the goroutines of a lifecycle component: start launches
// them, stop cancels and waits for them.
type runner struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	ctx    context.Context
	wg     sync.WaitGroup
}

func (r *runner) start(fn func(ctx context.Context) error) {
	r.mu.Lock()
	if r.ctx == nil {
		r.ctx, r.cancel = context.WithCancel(context.Background())
	}
	ctx := r.ctx
	r.mu.Unlock()
	r.wg.Go(func() { _ = fn(ctx) })
}

func (r *runner) stop(ctx context.Context) error {
	r.mu.Lock()
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

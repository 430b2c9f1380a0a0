package kafkasync

import (
	"context"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/background"
)

// Module runs the relay and the consumer, from a Config the program
// supplies. Module, RelayModule and ConsumerModule are alternatives: a
// program includes one of them.
var Module = fx.Module("kafkasync", core, relayPart, consumerPart)

// RelayModule runs the relay of the *articles.Outbox in the graph (see
// articles.Module): it publishes that database's outbox, woken at once by
// the changes of the graph's *articles.Service.
var RelayModule = fx.Module("kafkasync.relay", core, relayPart)

// ConsumerModule runs the consumer, applying to the Applier the program
// provides: for example the Service of another database (articles.Open) or
// a RESTApplier.
var ConsumerModule = fx.Module("kafkasync.consumer", core, consumerPart)

var core = fx.Options(
	fx.Provide(fx.Private, newConnection),
	fx.Provide(newModuleMetrics),
)

var relayPart = fx.Invoke(runRelay)

var consumerPart = fx.Invoke(runConsumer)

// Brokers are bootstrap addresses a module provides in place of
// Config.Brokers, as devbroker.Module does.
type Brokers []string

// ErrNoBrokers is the modules' start-up error when no broker is configured.
var ErrNoBrokers = errors.New("kafkasync: no Kafka brokers: set Config.Brokers (KAFKA_BROKERS), " +
	"or include devbroker.Module for an embedded development broker")

// connection is the modules' resolved configuration and the writer they
// share; the program's own *kafka.Writer, if any, is left alone.
type connection struct {
	cfg    Config
	writer *kafka.Writer
}

type connectionParams struct {
	fx.In

	Lifecycle fx.Lifecycle
	Config    Config
	Brokers   Brokers `optional:"true"`
	Logger    *zap.Logger
}

func newConnection(p connectionParams) (connection, error) {
	cfg := p.Config
	if len(p.Brokers) > 0 {
		cfg.Brokers = p.Brokers
	}
	if len(cfg.Brokers) == 0 {
		return connection{}, ErrNoBrokers
	}
	if err := cfg.Validate(); err != nil {
		return connection{}, err
	}
	cfg = cfg.WithDefaults()
	w := NewWriter(cfg, WithLogger(p.Logger))
	p.Lifecycle.Append(fx.Hook{
		// The topics exist before the relay publishes and the consumer joins.
		OnStart: func(ctx context.Context) error { return EnsureTopics(ctx, cfg) },
		OnStop:  func(context.Context) error { return w.Close() },
	})
	return connection{cfg: cfg, writer: w}, nil
}

// MetricsParams are the dependencies of the module's metrics.
type MetricsParams struct {
	fx.In

	Registerer prometheus.Registerer `optional:"true"`
}

func newModuleMetrics(p MetricsParams) (*Metrics, error) { return NewMetrics(p.Registerer) }

type relayParams struct {
	fx.In

	Lifecycle fx.Lifecycle
	Conn      connection
	Outbox    *articles.Outbox
	Feed      *articles.Service `optional:"true"`
	Metrics   *Metrics
	Logger    *zap.Logger
}

func runRelay(p relayParams) {
	opts := []Option{WithLogger(p.Logger), WithMetrics(p.Metrics)}
	if p.Feed != nil {
		// Changes committed in this process wake the relay at once; others'
		// are found by polling.
		opts = append(opts, WithChangeFeed(p.Feed))
	}
	relay := NewRelay(p.Outbox, p.Conn.writer, p.Conn.cfg, opts...)
	var run background.Group
	p.Lifecycle.Append(fx.Hook{
		OnStart: func(context.Context) error {
			run.Go(func(ctx context.Context) { _ = relay.Run(ctx) })
			return nil
		},
		OnStop: run.Stop,
	})
}

type consumerParams struct {
	fx.In

	Lifecycle fx.Lifecycle
	Conn      connection
	Applier   Applier
	Metrics   *Metrics
	Logger    *zap.Logger
}

func runConsumer(p consumerParams) {
	var run background.Group
	var reader *kafka.Reader
	p.Lifecycle.Append(fx.Hook{
		OnStart: func(context.Context) error {
			// A reader joins its group as soon as it exists: it is made only
			// now, once the topics surely exist.
			reader = NewReader(p.Conn.cfg, WithLogger(p.Logger))
			consumer := NewConsumer(reader, p.Conn.writer, p.Applier, p.Conn.cfg,
				WithLogger(p.Logger), WithMetrics(p.Metrics))
			run.Go(func(ctx context.Context) { _ = consumer.Run(ctx) })
			return nil
		},
		OnStop: func(ctx context.Context) error {
			err := run.Stop(ctx)
			if reader != nil {
				err = errors.Join(err, reader.Close())
			}
			if err != nil {
				return fmt.Errorf("kafkasync: stop consumer: %w", err)
			}
			return nil
		},
	})
}

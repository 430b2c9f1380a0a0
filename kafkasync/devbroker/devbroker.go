// Package devbroker runs an in-process, in-memory Kafka-protocol broker on
// 127.0.0.1 — franz-go's kfake — so that development and hermetic tests
// need no infrastructure. It is not Apache Kafka: nothing survives a
// restart and it is not tuned for load. Anywhere else, use real brokers.
//
//	b, err := devbroker.Start()
//	defer b.Close()
//	cfg.Brokers = b.Addrs()
//
// With fx, a program opts in by including Module beside kafkasync's
// modules; the kafkasync modules never start one by themselves. Since the
// broker forgets everything when its process ends, Module republishes the
// source's articles at each start, so that a crash loses B nothing.
package devbroker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/background"
	"github.com/articlekit/articlekit/kafkasync"
)

// Broker is a running development broker.
type Broker struct {
	cluster *kfake.Cluster
	reaping background.Group
}

// Option configures Start.
type Option func(*options)

type options struct {
	log       *zap.Logger
	retention time.Duration
	bytes     int
	port      int
}

// WithLogger logs what the broker does beyond kfake: the group members it
// removes (see Start). Default: no logging.
func WithLogger(log *zap.Logger) Option { return func(o *options) { o.log = log } }

// WithPort listens on port of 127.0.0.1 instead of a free one. Default: a
// free port.
func WithPort(port int) Option { return func(o *options) { o.port = port } }

// DefaultPort is Apache Kafka's, which Module's broker takes when it is
// free, so that tools (kcat -b 127.0.0.1:9092) find it where they look.
const DefaultPort = 9092

// WithRetention sets how long the broker keeps messages and how many bytes
// of them per partition at most. Default: Retention and RetentionBytes.
func WithRetention(keep time.Duration, bytesPerPartition int) Option {
	return func(o *options) { o.retention, o.bytes = keep, bytesPerPartition }
}

// Start starts a one-node broker on a free port of 127.0.0.1.
//
// Beside kfake runs one work-around: a consumer-group member that dies
// while it joins a rebalance can stay in kfake's group with partitions
// nobody consumes, until another member joins or leaves; the broker removes
// such a member once it has been silent for the group's session time-out,
// as Apache Kafka does.
func Start(opts ...Option) (*Broker, error) {
	o := options{log: zap.NewNop(), retention: Retention, bytes: RetentionBytes}
	for _, opt := range opts {
		opt(&o)
	}
	cluster := []kfake.Opt{kfake.NumBrokers(1)}
	if o.port != 0 {
		cluster = append(cluster, kfake.Ports(o.port))
	}
	c, err := kfake.NewCluster(append(cluster, kfake.BrokerConfigs(map[string]string{
		"log.retention.ms":    strconv.FormatInt(o.retention.Milliseconds(), 10),
		"log.retention.bytes": strconv.Itoa(o.bytes),
	}))...)
	if err != nil {
		return nil, fmt.Errorf("devbroker: %w", err)
	}
	b := &Broker{cluster: c}
	r := newReaper(o.log.Named("devbroker"))
	r.watch(c)
	b.reaping.Go(func(ctx context.Context) { r.run(ctx, c.ListenAddrs()[0]) })
	// kfake keeps what it holds in memory until told to apply retention.
	b.reaping.Go(func(ctx context.Context) {
		for background.Sleep(ctx, min(retentionEvery, o.retention/2), nil) {
			c.ApplyRetention()
		}
	})
	return b, nil
}

// What the broker keeps, in memory: messages for Retention, and at most
// RetentionBytes per partition, whichever ends first — enough for any
// consumer that is running, while a program left running for days does
// not grow without bound. A restarted program republishes what its
// replica may lack (see Module).
const (
	Retention      = 10 * time.Minute
	RetentionBytes = 16 << 20
	retentionEvery = 30 * time.Second
)

// Addrs returns the bootstrap addresses (host:port).
func (b *Broker) Addrs() []string { return b.cluster.ListenAddrs() }

// Close stops the broker and forgets everything it held.
func (b *Broker) Close() {
	_ = b.reaping.Stop(context.Background())
	b.cluster.Close()
}

// Module provides kafkasync.Brokers for kafkasync's modules: when
// kafkasync.Config names no brokers, those of a development broker started
// for the app's lifetime on 127.0.0.1:9092 (DefaultPort), or another port
// when that one is taken, with a warning in the log; otherwise the
// configured ones, so a program can include Module and still be pointed at
// real brokers.
//
// The development broker forgets everything when the process ends — a
// crash too — including changes the relay had published but the consumer
// not yet applied, which the outbox no longer holds. So once the app has
// started, Module republishes the current state of every article of the
// program's *articles.Service, if it has one (its source, A), with
// kafkasync.Backfill: the consumer applies what the replica lacks and
// skips the rest as stale. It runs beside the app, once per start, on the
// development broker only; it costs one event per article.
var Module = fx.Module("devbroker", fx.Provide(provide), fx.Invoke(catchUp))

// embedded reports whether provide started a development broker.
type embedded bool

func provide(lc fx.Lifecycle, cfg kafkasync.Config, log *zap.Logger) (kafkasync.Brokers, embedded, error) {
	if len(cfg.Brokers) > 0 {
		return kafkasync.Brokers(cfg.Brokers), false, nil
	}
	// Started now rather than on start: the writer and reader need its
	// address when they are made. It is in memory and starts at once.
	b, err := Start(WithLogger(log), WithPort(DefaultPort))
	if err != nil {
		// Taken, by a real broker perhaps: any free port does.
		b, err = Start(WithLogger(log))
	}
	if err != nil {
		return nil, false, err
	}
	log.Warn("KAFKA_BROKERS is not set: using an embedded development broker (in memory, not Apache Kafka)",
		zap.Strings("addrs", b.Addrs()))
	lc.Append(fx.StopHook(b.Close))
	return kafkasync.Brokers(b.Addrs()), true, nil
}

type catchUpParams struct {
	fx.In

	Lifecycle fx.Lifecycle
	Embedded  embedded
	Brokers   kafkasync.Brokers
	Config    kafkasync.Config
	Source    *articles.Service `optional:"true"`
	Logger    *zap.Logger
}

// catchUp republishes the source's articles on start when the broker is
// the development one (see Module).
func catchUp(p catchUpParams) {
	if !p.Embedded || p.Source == nil {
		return
	}
	cfg := p.Config
	cfg.Brokers = p.Brokers
	cfg = cfg.WithDefaults()
	log := p.Logger.Named("devbroker")
	w := kafkasync.NewWriter(cfg, kafkasync.WithLogger(p.Logger))
	var run background.Group
	p.Lifecycle.Append(fx.Hook{
		OnStart: func(context.Context) error {
			run.Go(func(ctx context.Context) {
				start := time.Now()
				err := kafkasync.EnsureTopics(ctx, cfg)
				n := 0
				if err == nil {
					n, err = kafkasync.Backfill(ctx, p.Source, w, cfg)
				}
				if err != nil {
					if ctx.Err() == nil {
						log.Error("republishing the articles to the development broker failed; the replica may lack changes from before the start",
							zap.Int("published", n), zap.Error(err))
					}
					return
				}
				log.Info("republished every article to the development broker, for a replica that lags to catch up",
					zap.Int("articles", n), zap.Duration("took", time.Since(start)))
			})
			return nil
		},
		OnStop: func(ctx context.Context) error {
			return errors.Join(run.Stop(ctx), w.Close())
		},
	})
}

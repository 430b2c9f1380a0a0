package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
	"github.com/articlekit/articlekit/kafkasync/kafkatest"
)

// syncOptions configure the sync benchmark.
type syncOptions struct {
	changes int           // changes synced for the throughput figure
	rate    int           // changes per second for the delay figure
	paced   time.Duration // how long the paced run lasts

	cpuProfile string // a CPU profile of the throughput run's sync
}

// runSync measures the end-to-end sync — outbox → relay → Kafka → consumer
// → database B — on a real broker: KAFKA_BROKERS, or one started from the
// jars in $ARTICLEKIT_TEST_KAFKA_LIBS.
func runSync(opts syncOptions) error {
	dir, err := os.MkdirTemp("", "articlekit-bench-sync-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	brokers, label, stop, err := syncBrokers(dir)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("End-to-end sync on %s: SQLite A → relay → Kafka (acks=all) → consumer → SQLite B, GOMAXPROCS=%d\n\n",
		label, runtimeProcs())

	// Throughput: a backlog of changes, synced as fast as it goes.
	run, err := newSyncRun(dir, "throughput", brokers)
	if err != nil {
		return err
	}
	fmt.Printf("writing %d changes to A's outbox…\n", opts.changes)
	if err := run.write(opts.changes, 0); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(opts.cpuProfile)
	if err != nil {
		return err
	}
	start := time.Now()
	run.start()
	if err := run.wait(opts.changes, 10*time.Minute); err != nil {
		return err
	}
	elapsed := time.Since(start)
	stopProfile()
	run.stop()
	throughput := float64(opts.changes) / elapsed.Seconds()

	// Delay: changes at a steady rate, each timed from its commit in A to
	// its application in B.
	paced, err := newSyncRun(dir, "paced", brokers)
	if err != nil {
		return err
	}
	paced.start()
	n := opts.rate * int(opts.paced/time.Second)
	if err := paced.write(n, opts.rate); err != nil {
		return err
	}
	if err := paced.wait(n, time.Minute); err != nil {
		return err
	}
	paced.stop()
	p50, p99 := paced.delays()

	fmt.Printf("\n%-58s %12s %10s %10s\n", "scenario", "events/s", "p50", "p99")
	fmt.Printf("%-58s %12.0f %10s %10s\n", fmt.Sprintf("backlog of %d changes, as fast as it goes", opts.changes), throughput, "-", "-")
	fmt.Printf("%-58s %12.0f %10s %10s\n", fmt.Sprintf("%d changes/s for %s, delay from A's commit to B", opts.rate, opts.paced),
		float64(n)/opts.paced.Seconds(), round(p50), round(p99))
	return nil
}

func syncBrokers(dir string) (brokers []string, label string, stop func(), err error) {
	if b := os.Getenv("KAFKA_BROKERS"); b != "" {
		return []string{b}, "Kafka at " + b, func() {}, nil
	}
	if libs := os.Getenv(kafkatest.LibsEnv); libs != "" {
		k, err := kafkatest.Start(libs, filepath.Join(dir, "kafka"))
		if err != nil {
			return nil, "", nil, err
		}
		return []string{k.Addr()}, "Apache Kafka (one KRaft node, started from " + libs + ")", func() { _ = k.Stop() }, nil
	}
	fmt.Fprintln(os.Stderr, "bench: neither KAFKA_BROKERS nor "+kafkatest.LibsEnv+" is set: measuring the embedded development broker, not Apache Kafka")
	d, err := devbroker.Start()
	if err != nil {
		return nil, "", nil, err
	}
	return d.Addrs(), "the embedded development broker (NOT Apache Kafka)", d.Close, nil
}

// syncRun is one source, one target and the sync between them.
type syncRun struct {
	cfg      kafkasync.Config
	src, dst *articles.Service
	outbox   *articles.Outbox
	closers  []func()
	applier  *timedApplier
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

func newSyncRun(dir, name string, brokers []string) (*syncRun, error) {
	r := &syncRun{cfg: kafkasync.Config{Brokers: brokers, Topic: "bench-" + name, GroupID: "bench-" + name,
		Partitions: 6}.WithDefaults()}
	ctx := context.Background()
	if err := kafkasync.EnsureTopics(ctx, r.cfg); err != nil {
		return nil, err
	}
	open := func(file string) (*articles.Store, error) {
		store, err := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://" + filepath.Join(dir, file)})
		if err != nil {
			return nil, err
		}
		r.closers = append(r.closers, func() { _ = store.Close() })
		return store, store.Migrate(ctx)
	}
	a, err := open(name + "-a.db")
	if err != nil {
		return nil, err
	}
	b, err := open(name + "-b.db")
	if err != nil {
		return nil, err
	}
	r.src, r.dst, r.outbox = articles.NewService(a), articles.NewService(b), a.Outbox()
	r.applier = &timedApplier{target: r.dst}
	return r, nil
}

// write commits n changes to A: creates, with every third article updated
// and every seventh deleted; at rate per second when rate > 0.
func (r *syncRun) write(n, rate int) error {
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	workers := 16
	if rate > 0 {
		workers = 1
	}
	var next atomic.Int64
	for range workers {
		wg.Go(func() {
			var last articles.Article
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if rate > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
				}
				var err error
				switch {
				case i%7 == 6 && last.ID != 0:
					err = r.src.Delete(ctx, last.ID, 0)
					last = articles.Article{}
				case i%3 == 2 && last.ID != 0:
					last, err = r.src.Update(ctx, last.ID, sampleDraft(i), 0)
				default:
					last, err = r.src.Create(ctx, sampleDraft(i))
				}
				if err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	return nil
}

func (r *syncRun) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	log := zap.NewNop()
	writer := kafkasync.NewWriter(r.cfg, kafkasync.WithLogger(log))
	reader := kafkasync.NewReader(r.cfg, kafkasync.WithLogger(log))
	// Woken by the source's changes, as the module's relay is.
	relay := kafkasync.NewRelay(r.outbox, writer, r.cfg, kafkasync.WithLogger(log), kafkasync.WithChangeFeed(r.src))
	consumer := kafkasync.NewConsumer(reader, writer, r.applier, r.cfg, kafkasync.WithLogger(log))
	r.wg.Go(func() { _ = relay.Run(ctx) })
	r.wg.Go(func() { _ = consumer.Run(ctx) })
	r.closers = append(r.closers, func() { _ = reader.Close(); _ = writer.Close() })
}

func (r *syncRun) wait(n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for r.applier.applied.Load() < int64(n) {
		if time.Now().After(deadline) {
			return fmt.Errorf("synced %d of %d changes within %s", r.applier.applied.Load(), n, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

func (r *syncRun) stop() {
	r.cancel()
	r.wg.Wait()
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

func (r *syncRun) delays() (p50, p99 time.Duration) {
	r.applier.mu.Lock()
	defer r.applier.mu.Unlock()
	d := slices.Clone(r.applier.delays)
	if len(d) == 0 {
		return 0, 0
	}
	slices.Sort(d)
	return d[len(d)/2], d[len(d)*99/100]
}

// timedApplier applies to target and times each applied change from its
// commit in A (its updated_at).
type timedApplier struct {
	target  kafkasync.Applier
	applied atomic.Int64
	mu      sync.Mutex
	delays  []time.Duration
}

func (a *timedApplier) ApplyBatch(ctx context.Context, changes []articles.Change) ([]articles.ApplyResult, error) {
	results, err := a.target.ApplyBatch(ctx, changes)
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, r := range results {
		if r == articles.Applied {
			a.applied.Add(1)
			a.delays = append(a.delays, now.Sub(changes[i].Article.UpdatedAt))
		}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return results, err
	}
	return results, err
}

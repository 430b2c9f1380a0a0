package kafkasync_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
	"github.com/articlekit/articlekit/kafkasync/kafkatest"
)

// fixture is a source database A, a target B, a broker and the parts of
// the sync between them, each of which a test may stop and start.
type fixture struct {
	t        *testing.T
	cfg      Config
	src, dst *articles.Service
	srcStore *articles.Store
	srcDB    string
	dstDB    string
	real     *kafkatest.Broker // nil on the development broker
	reg      *prometheus.Registry
	metrics  *kafkasync.Metrics
	log      *zap.Logger
	writer   *kafka.Writer

	mu    sync.Mutex
	parts map[string]*part
}

type Config = kafkasync.Config

// part is a running relay or consumer.
type part struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// newFixture starts the fixture on a real broker when the test needs one
// or one is available (kafkatest), else on the development broker.
func newFixture(t *testing.T, needReal bool) *fixture {
	t.Helper()
	if needReal || os.Getenv(kafkatest.LibsEnv) != "" {
		real := kafkatest.Require(t)
		f := newFixtureAt(t, []string{real.Addr()})
		f.real = real
		return f
	}
	b, err := devbroker.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return newFixtureAt(t, b.Addrs())
}

// newFixtureAt starts the fixture on the brokers at addrs.
func newFixtureAt(t *testing.T, addrs []string) *fixture {
	t.Helper()
	f := &fixture{t: t, log: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), parts: map[string]*part{}}
	topic := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	f.cfg = Config{Brokers: addrs, Topic: topic, GroupID: topic + "-group", Partitions: 4,
		// A lease long enough that a publish on a busy CI machine ends inside
		// its deadline (half the lease), short enough for quick takeovers.
		RelayLease: 2 * time.Second, RelayPoll: 20 * time.Millisecond, MaxAttempts: 3}.WithDefaults()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kafkasync.EnsureTopics(ctx, f.cfg); err != nil {
		t.Fatal(err)
	}
	f.srcDB = "sqlite://" + t.TempDir() + "/a.db"
	f.srcStore = articlestest.NewStore(t, f.srcDB)
	f.src = articles.NewService(f.srcStore)
	f.dstDB = "sqlite://" + t.TempDir() + "/b.db"
	f.dst = articlestest.NewService(t, f.dstDB)
	f.reg = prometheus.NewRegistry()
	m, err := kafkasync.NewMetrics(f.reg)
	if err != nil {
		t.Fatal(err)
	}
	f.metrics = m
	f.writer = kafkasync.NewWriter(f.cfg, kafkasync.WithLogger(f.log))
	t.Cleanup(func() {
		f.stopAll()
		_ = f.writer.Close()
	})
	return f
}

func (f *fixture) srcURL() string { return f.srcDB }

// run starts fn as the part called name.
func (f *fixture) run(name string, fn func(ctx context.Context) error) {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &part{cancel: cancel, done: make(chan struct{})}
	f.mu.Lock()
	if _, running := f.parts[name]; running {
		f.mu.Unlock()
		f.t.Fatalf("%s already runs", name)
	}
	f.parts[name] = p
	f.mu.Unlock()
	go func() { defer close(p.done); _ = fn(ctx) }()
}

// stop stops the part called name and waits for it.
func (f *fixture) stop(name string) {
	f.mu.Lock()
	p := f.parts[name]
	delete(f.parts, name)
	f.mu.Unlock()
	if p != nil {
		p.cancel()
		<-p.done
	}
}

func (f *fixture) stopAll() {
	f.mu.Lock()
	var names []string
	for n := range f.parts {
		names = append(names, n)
	}
	f.mu.Unlock()
	for _, n := range names {
		f.stop(n)
	}
}

func (f *fixture) startRelay() {
	relay := kafkasync.NewRelay(f.srcStore.Outbox(), f.writer, f.cfg, kafkasync.WithLogger(f.log), kafkasync.WithMetrics(f.metrics))
	f.run("relay", relay.Run)
}

// startConsumer starts a consumer applying through applier (B's service
// when nil).
func (f *fixture) startConsumer(applier kafkasync.Applier) {
	if applier == nil {
		applier = f.dst
	}
	reader := kafkasync.NewReader(f.cfg, kafkasync.WithLogger(f.log))
	consumer := kafkasync.NewConsumer(reader, f.writer, applier, f.cfg, kafkasync.WithLogger(f.log), kafkasync.WithMetrics(f.metrics))
	f.run("consumer", func(ctx context.Context) error {
		defer reader.Close()
		return consumer.Run(ctx)
	})
}

// counter reads a kafkasync counter, by label value when given.
func (f *fixture) counter(name, label string) int {
	f.t.Helper()
	families, err := f.reg.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" || (len(m.GetLabel()) > 0 && m.GetLabel()[0].GetValue() == label) {
				return int(m.GetCounter().GetValue())
			}
		}
	}
	return 0
}

// events counts the changes A recorded, published or not.
func (f *fixture) events() int {
	f.t.Helper()
	n, err := f.srcStore.DB().Read.NewSelect().Table("article_outbox").Count(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return int(n)
}

// waitApplied waits until the consumer applied n changes.
func (f *fixture) waitApplied(n int, within time.Duration) {
	f.t.Helper()
	deadline := time.Now().Add(within)
	for f.counter("kafkasync_applied_events_total", "applied") < n {
		if time.Now().After(deadline) {
			f.t.Fatalf("applied %d of %d changes within %s (stale %d, dead-lettered %d, outbox pending %d)",
				f.counter("kafkasync_applied_events_total", "applied"), n, within,
				f.counter("kafkasync_applied_events_total", "stale"),
				f.counter("kafkasync_dead_lettered_events_total", "apply")+f.counter("kafkasync_dead_lettered_events_total", "decode"),
				f.pending())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *fixture) pending() int64 {
	stats, _ := f.srcStore.Outbox().Stats(context.Background())
	return stats.Pending
}

// assertReplica checks that B holds exactly A's articles: ids, versions,
// text, tags and tombstones.
func (f *fixture) assertReplica() {
	f.t.Helper()
	a, b := snapshot(f.t, f.src), snapshot(f.t, f.dst)
	if len(a) != len(b) {
		f.t.Fatalf("A has %d articles, B %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			f.t.Fatalf("article %d differs:\nA %s\nB %s", i, a[i], b[i])
		}
	}
}

func snapshot(t *testing.T, svc *articles.Service) []string {
	t.Helper()
	var out []string
	eachArticle(t, svc, func(ch articles.Change) {
		a := ch.Article
		out = append(out, fmt.Sprintf("%s %d v%d %q %q %q %v %s", ch.Type, a.ID, a.Version, a.Title, a.Content, a.Author,
			slices.Clip(a.Tags), a.UpdatedAt.UTC().Format(time.RFC3339Nano)))
	})
	return out
}

// eachArticle calls fn with the current state of every article of svc,
// tombstones included, in id order.
func eachArticle(t *testing.T, svc *articles.Service, fn func(articles.Change)) {
	t.Helper()
	var after int64
	for {
		page, err := svc.Snapshot(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return
		}
		for _, ch := range page {
			fn(ch)
		}
		after = page[len(page)-1].Article.ID
	}
}

// churn creates n articles in A from several goroutines, updating every
// third and deleting every seventh, and returns once all committed.
func (f *fixture) churn(n int) {
	f.t.Helper()
	if err := f.churnErr(n); err != nil {
		f.t.Fatal(err)
	}
}

// churnErr is churn for goroutines other than the test's: it returns the
// first failure.
func (f *fixture) churnErr(n int) error {
	ctx := context.Background()
	var wg sync.WaitGroup
	const workers = 8
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				a, err := f.src.Create(ctx, articles.Draft{Title: fmt.Sprintf("article %d", i), Content: "body",
					Author: fmt.Sprintf("author %d", i%10), Tags: []string{"sync", fmt.Sprint("t", i%5)}})
				if err != nil {
					errs <- err
					return
				}
				if i%3 == 0 {
					if _, err := f.src.Update(ctx, a.ID, articles.Draft{Title: fmt.Sprintf("article %d, edited", i)}, a.Version); err != nil {
						errs <- err
						return
					}
				}
				if i%7 == 0 {
					if err := f.src.Delete(ctx, a.ID, 0); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/nettest"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/kafkatest"
	"github.com/articlekit/articlekit/restapi/client"
)

// session is the consumer group's session time-out here: the shortest
// brokers accept by default.
const session = 6 * time.Second

// bound is how long past the session time-out B may take, after the
// restart, to equal A: the relay's lease (3s) must lapse, the killed
// consumer's session time out, the embedded broker's republishing reach
// the consumer, and the consumer catch up.
const bound = session + 15*time.Second

// The program is killed (SIGKILL) while REST writes are in flight and B
// lags, started again, killed again a second later, as its consumer joins
// the group, and started once more: every write it acknowledged is in A,
// B equals A within the session time-out and bound, and every event (in
// A's outbox, and on the topic where the broker outlives the program) is
// a change A has, one per version — on the embedded broker, which dies
// with the program, on a development broker in a process of its own, and
// on Apache Kafka.
func TestKilledWithWritesInFlight(t *testing.T) {
	for _, broker := range []struct {
		name  string
		addrs func(t *testing.T) string
	}{
		{"embedded", func(*testing.T) string { return "" }},
		{"devbroker-process", func(t *testing.T) string { return kafkatest.DevBrokerProcess(t) }},
		{"kafka", func(t *testing.T) string { return kafkatest.Require(t).Addr() }},
	} {
		t.Run(broker.name, func(t *testing.T) { killedWithWritesInFlight(t, broker.addrs(t)) })
	}
}

func killedWithWritesInFlight(t *testing.T, brokers string) {
	dir := t.TempDir()
	addr := nettest.FreeAddr(t)
	env := []string{"ARTICLEKIT_TEST_RUN_MAIN=1", "DATABASE_URL=sqlite://" + dir + "/a.db",
		"SYNC_TARGET_DATABASE_URL=sqlite://" + dir + "/b.db", "REST_ADDR=" + addr, "LOG_LEVEL=warn",
		"KAFKA_BROKERS=" + brokers, "KAFKA_TOPIC=killed", "KAFKA_PARTITIONS=4",
		"SYNC_SESSION_TIMEOUT=" + session.String(), "SYNC_RELAY_LEASE=3s"}
	api, err := client.New("http://"+addr, client.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}

	srcStore, src := open(t, "sqlite://"+dir+"/a.db")
	_, dst := open(t, "sqlite://"+dir+"/b.db")
	w := &writer{api: api, acked: map[int64]int64{}, deleted: map[int64]bool{}, deleting: map[int64]bool{}}
	// Killed once it acknowledged a few hundred writes more, with some in
	// flight, until B lacks changes A had published when it was killed:
	// with the embedded broker, those die with the program.
	for attempt := 1; ; attempt++ {
		p := start(t, env, api)
		stop := w.run(8)
		goal, deadline := w.count()+300, time.Now().Add(30*time.Second)
		for (w.count() < goal || lagging(t, srcStore, dst) == 0) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		inflight := w.killInFlight(p)
		stop()
		lost := lagging(t, srcStore, dst)
		t.Logf("attempt %d: killed with %d writes in flight, %d acknowledged; B lacked %d published changes", attempt, inflight, w.count(), lost)
		if lost > 0 {
			break
		}
		if attempt == 5 {
			t.Fatal("B never lacked a published change when the program was killed: the test proves nothing")
		}
	}
	// Again, a second after it started.
	p := start(t, env, api)
	stop := w.run(8)
	time.Sleep(time.Second)
	inflight := w.killInFlight(p)
	stop()
	t.Logf("killed again a second after the restart, with %d writes in flight, %d acknowledged", inflight, w.count())
	last := start(t, env, api)
	restarted := time.Now()

	for _, id := range w.ids() {
		a, err := src.Get(context.Background(), id)
		switch {
		case w.deleted[id]:
			if !errors.Is(err, articles.ErrNotFound) {
				t.Errorf("article %d: deleted, acknowledged, but in A: %v %v", id, a, err)
			}
		case errors.Is(err, articles.ErrNotFound) && w.deleting[id]:
			// Deleted, the acknowledgement lost with the program.
		case err != nil:
			t.Errorf("article %d: version %d acknowledged, not in A: %v", id, w.acked[id], err)
		case a.Version < w.acked[id]:
			t.Errorf("article %d: version %d acknowledged, A has %d", id, w.acked[id], a.Version)
		}
	}
	want := states(t, src)
	for deadline := time.Now().Add(session + bound); ; time.Sleep(100 * time.Millisecond) {
		got := states(t, dst)
		if fmt.Sprint(got) == fmt.Sprint(want) {
			t.Logf("B equalled A's %d articles %.1fs after the restart", len(want), time.Since(restarted).Seconds())
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s after the restart B has %d articles, A %d; B differs", session+bound, len(got), len(want))
		}
	}
	events := outbox(t, srcStore, false)
	checkEvents(t, src, events)
	if brokers != "" {
		last.kill() // the relay publishes nothing more
		checkTopic(t, brokers, "killed", events)
	}
}

// program is the program running as a process.
type program struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	exited chan struct{}
}

// start starts the program and waits until its REST API is ready.
func start(t *testing.T, env []string, api *client.Client) *program {
	t.Helper()
	p := &program{cmd: exec.Command(os.Args[0])}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.exited = make(chan struct{})
	exited := p.exited
	go func() { _ = p.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("the program wrote:\n%s", p.stderr.String())
		}
	})
	for deadline := time.Now().Add(30 * time.Second); api.Ping(context.Background()) != nil; time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("the program exited:\n%s", p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the program's REST API was not ready within 30s")
		}
	}
	return p
}

// kill kills the program (no clean shutdown) and waits until it is gone.
func (p *program) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// killInFlight kills p as soon as a write is in flight, and returns how
// many were.
func (w *writer) killInFlight(p *program) int64 {
	for w.inflight.Load() == 0 {
		time.Sleep(100 * time.Microsecond)
	}
	n := w.inflight.Load()
	p.kill()
	return n
}

// writer creates, updates and deletes articles through the REST API and
// remembers what the API acknowledged.
type writer struct {
	api      *client.Client
	inflight atomic.Int64

	mu       sync.Mutex
	acked    map[int64]int64 // article → the latest version acknowledged
	deleted  map[int64]bool  // acknowledged deletions
	deleting map[int64]bool  // deletions sent
	n        int
}

// run writes from n goroutines until the function it returns is called.
func (w *writer) run(n int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for g := range n {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				w.write(ctx, g, i)
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

// write creates an article, then updates every second one and deletes
// every fifth; it stops at the first failure.
func (w *writer) write(ctx context.Context, g, i int) {
	w.inflight.Add(1)
	a, err := w.api.Create(ctx, articles.Draft{Title: fmt.Sprintf("writer %d article %d", g, i), Content: "body", Tags: []string{"crash"}})
	w.inflight.Add(-1)
	if err != nil {
		return
	}
	w.ack(a.ID, a.Version, false)
	if i%2 == 0 {
		w.inflight.Add(1)
		a, err = w.api.Update(ctx, a.ID, articles.Draft{Title: fmt.Sprintf("writer %d article %d, edited", g, i)}, a.Version)
		w.inflight.Add(-1)
		if err != nil {
			return
		}
		w.ack(a.ID, a.Version, false)
	}
	if i%5 == 0 {
		w.mu.Lock()
		w.deleting[a.ID] = true
		w.mu.Unlock()
		w.inflight.Add(1)
		err = w.api.Delete(ctx, a.ID, a.Version)
		w.inflight.Add(-1)
		if err == nil {
			w.ack(a.ID, a.Version+1, true)
		}
	}
}

func (w *writer) ack(id, version int64, deleted bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acked[id] = max(w.acked[id], version)
	w.deleted[id] = w.deleted[id] || deleted
	w.n++
}

func (w *writer) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

func (w *writer) ids() []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := make([]int64, 0, len(w.acked))
	for id := range w.acked {
		ids = append(ids, id)
	}
	return ids
}

// open opens the database at url, migrated (as the program migrates it).
func open(t *testing.T, url string) (*articles.Store, *articles.Service) {
	t.Helper()
	store, err := articles.OpenStore(articles.Config{DatabaseURL: url})
	if err == nil {
		err = store.Migrate(context.Background())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store, articles.NewService(store)
}

// states lists svc's articles, tombstones included: type, id, version and
// text.
func states(t *testing.T, svc *articles.Service) []string {
	t.Helper()
	var out []string
	eachArticle(t, svc, func(ch articles.Change) {
		a := ch.Article
		out = append(out, fmt.Sprintf("%s %d v%d %q %q %v", ch.Type, a.ID, a.Version, a.Title, a.Content, a.Tags))
	})
	return out
}

// eachArticle calls fn with the current state of every article of svc,
// tombstones included, in id order.
func eachArticle(t *testing.T, svc *articles.Service, fn func(articles.Change)) {
	t.Helper()
	all, err := svc.Snapshot(context.Background(), 0, math.MaxInt32)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range all {
		fn(ch)
	}
}

// event is an outbox event: its id, article and version.
type event struct {
	ID        string `bun:"event_id"`
	ArticleID int64  `bun:"article_id"`
	Version   int64  `bun:"version"`
}

// outbox lists the events of store's outbox, only the published ones or
// all of them.
func outbox(t *testing.T, store *articles.Store, published bool) []event {
	t.Helper()
	var events []event
	q := store.DB().Read.NewSelect().Table("article_outbox").Column("event_id", "article_id", "version")
	if published {
		q = q.Where("published_at IS NOT NULL")
	}
	if err := q.Scan(context.Background(), &events); err != nil {
		t.Fatal(err)
	}
	return events
}

// lagging counts the published changes of A that B lacks.
func lagging(t *testing.T, store *articles.Store, dst *articles.Service) int {
	t.Helper()
	have := map[int64]int64{}
	eachArticle(t, dst, func(ch articles.Change) { have[ch.Article.ID] = ch.Article.Version })
	n := 0
	for _, ev := range outbox(t, store, true) {
		if have[ev.ArticleID] < ev.Version {
			n++
		}
	}
	return n
}

// checkEvents checks that each article's events are its versions, one
// each: 1 (the creation) to its current version, no more, none missing.
func checkEvents(t *testing.T, svc *articles.Service, events []event) {
	t.Helper()
	versions := map[int64][]int64{}
	for _, ev := range events {
		versions[ev.ArticleID] = append(versions[ev.ArticleID], ev.Version)
	}
	n := 0
	eachArticle(t, svc, func(ch articles.Change) {
		a := ch.Article
		vs := versions[a.ID]
		slices.Sort(vs)
		want := make([]int64, a.Version)
		for i := range want {
			want[i] = int64(i + 1)
		}
		if !slices.Equal(vs, want) {
			t.Errorf("article %d at version %d has events of versions %v", a.ID, a.Version, vs)
		}
		delete(versions, a.ID)
		n++
	})
	for id, vs := range versions {
		t.Errorf("events of versions %v of article %d, which A does not have", vs, id)
	}
	t.Logf("%d events of %d articles, one per version", len(events), n)
}

// checkTopic checks that every event on the topic is one of A's: an
// outbox event with the same article and version.
func checkTopic(t *testing.T, broker, topic string, events []event) {
	t.Helper()
	byID := make(map[string]event, len(events))
	for _, ev := range events {
		byID[ev.ID] = ev
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(broker)}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	for _, p := range meta.Topics[0].Partitions {
		ends, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {kafka.LastOffsetOf(p.ID)}}})
		if err != nil {
			t.Fatal(err)
		}
		end := ends.Topics[topic][0].LastOffset
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: topic, Partition: p.ID, MaxWait: 100 * time.Millisecond})
		for offset := int64(0); offset < end; offset++ {
			m, err := r.FetchMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			offset = m.Offset
			d, err := kafkasync.Decode(m)
			if err != nil {
				t.Fatalf("partition %d offset %d: %v", p.ID, m.Offset, err)
			}
			ev, ok := byID[d.ID]
			if !ok || ev.ArticleID != d.Change.Article.ID || ev.Version != d.Change.Article.Version {
				t.Errorf("event %s on the topic (article %d version %d) is not A's (%+v)", d.ID, d.Change.Article.ID, d.Change.Article.Version, ev)
			}
			read++
		}
		_ = r.Close()
	}
	t.Logf("every one of the %d events on the topic is one of A's", read)
}

package kafkasync_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/internal/nettest"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
	"github.com/articlekit/articlekit/kafkasync/kafkatest"
	"github.com/articlekit/articlekit/restapi"
)

// relayProcessEnv makes the test binary run a relay instead of the tests
// (see TestMain): a process the fault tests can kill.
const relayProcessEnv = "KAFKASYNC_TEST_RELAY_PROCESS"

func TestMain(m *testing.M) {
	kafkatest.DevBrokerMain()
	if os.Getenv(relayProcessEnv) != "" {
		os.Exit(runRelayProcess())
	}
	if os.Getenv(consumerProcessEnv) != "" {
		os.Exit(runConsumerProcess())
	}
	os.Exit(m.Run())
}

// runRelayProcess relays the outbox of $KAFKASYNC_TEST_DB to the brokers
// and topic in the environment until it is killed.
func runRelayProcess() int {
	store, err := articles.OpenStore(articles.Config{DatabaseURL: os.Getenv("KAFKASYNC_TEST_DB")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := kafkasync.Config{Brokers: strings.Split(os.Getenv("KAFKASYNC_TEST_BROKERS"), ","),
		Topic: os.Getenv("KAFKASYNC_TEST_TOPIC"), RelayBatch: 100, RelayLease: time.Second, RelayPoll: 20 * time.Millisecond}
	w := kafkasync.NewWriter(cfg)
	_ = kafkasync.NewRelay(store.Outbox(), w, cfg).Run(context.Background())
	return 0
}

func (f *fixture) startRelayProcess() *process {
	f.t.Helper()
	return startProcess(f.t, "relay", relayProcessEnv+"=1", "KAFKASYNC_TEST_DB="+f.srcURL(),
		"KAFKASYNC_TEST_BROKERS="+strings.Join(f.cfg.Brokers, ","), "KAFKASYNC_TEST_TOPIC="+f.cfg.Topic)
}

// The broker is killed and restarted while changes flow.
func TestFaultBrokerRestart(t *testing.T) {
	f := newFixture(t, true)
	f.startRelay()
	f.startConsumer(nil)
	churned := make(chan struct{})
	go func() { defer close(churned); f.churn(4000) }()
	f.waitApplied(500, time.Minute)
	if err := f.real.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // changes pile up in the outbox meanwhile
	if err := f.real.Restart(); err != nil {
		t.Fatal(err)
	}
	<-churned
	f.waitAll(2 * time.Minute)
}

// The relay process is killed (SIGKILL) while it publishes; another takes
// over once the lease expires.
func TestFaultRelayKilled(t *testing.T) {
	f := newFixture(t, false)
	f.churn(10_000) // all in the outbox before any relay runs
	total := f.pending()
	f.startConsumer(nil)
	first := f.startRelayProcess()
	// Kill it as soon as it has published a few batches of 100.
	for deadline := time.Now().Add(time.Minute); f.pending() > total-300; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the relay process published nothing within a minute")
		}
	}
	first.kill()
	if f.pending() == 0 {
		t.Fatal("the relay finished before it was killed: the test proves nothing")
	}
	f.startRelayProcess()
	f.waitAll(2 * time.Minute)
}

// The consumer stops mid-stream and a new one resumes from the committed
// offsets.
func TestFaultConsumerRestart(t *testing.T) {
	f := newFixture(t, false)
	f.startRelay()
	f.startConsumer(nil)
	churned := make(chan struct{})
	go func() { defer close(churned); f.churn(4000) }()
	f.waitApplied(800, time.Minute)
	f.stop("consumer")
	time.Sleep(500 * time.Millisecond)
	f.startConsumer(nil)
	<-churned
	f.waitAll(2 * time.Minute)
}

// The target's REST API is down for a while: changes wait, none is lost or
// dead-lettered.
func TestFaultTargetRESTDown(t *testing.T) {
	f := newFixture(t, false)
	addr := nettest.FreeAddr(t)
	serve := func() *httpserver.Server {
		srv := httpserver.New(httpserver.Config{Addr: addr}, restapi.New(f.dst, restapi.WithReplication()))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		return srv
	}
	srv := serve()
	applier, err := kafkasync.NewRESTApplierURL("http://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	f.startRelay()
	f.startConsumer(applier)
	churned := make(chan struct{})
	go func() { defer close(churned); f.churn(2000) }()
	f.waitApplied(300, time.Minute)
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	srv = serve()
	defer srv.Stop(context.Background())
	<-churned
	f.waitAll(2 * time.Minute)
	if f.counter("kafkasync_apply_retries_total", "") == 0 {
		t.Fatal("no retries counted: the target was never seen down")
	}
}

// waitAll waits until every change A recorded is applied, then checks that
// B equals A, that nothing was applied twice or dead-lettered, and that
// the outbox is drained.
func (f *fixture) waitAll(within time.Duration) {
	f.t.Helper()
	events := f.events()
	f.waitApplied(events, within)
	deadline := time.Now().Add(30 * time.Second)
	for f.pending() != 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond) // the last batch is being marked
	}
	f.assertReplica()
	if applied := f.counter("kafkasync_applied_events_total", "applied"); applied != events {
		f.t.Fatalf("applied %d changes, want exactly %d", applied, events)
	}
	if dl := f.counter("kafkasync_dead_lettered_events_total", "apply") + f.counter("kafkasync_dead_lettered_events_total", "decode"); dl != 0 {
		f.t.Fatalf("%d messages dead-lettered", dl)
	}
	if p := f.pending(); p != 0 {
		f.t.Fatalf("%d outbox events still pending", p)
	}
	f.t.Logf("%d changes applied once each; %d redeliveries skipped as stale", events,
		f.counter("kafkasync_applied_events_total", "stale"))
}

// A broker restarted on the same address: creating the topics again meets
// the new broker, not a connection kept to the old one.
func TestEnsureTopicsAfterBrokerRestart(t *testing.T) {
	_, port, err := net.SplitHostPort(nettest.FreeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	for round := range 2 {
		b, err := devbroker.Start(devbroker.WithPort(p))
		if err != nil {
			t.Fatal(err)
		}
		err = kafkasync.EnsureTopics(t.Context(), kafkasync.Config{Brokers: b.Addrs()})
		b.Close()
		if err != nil {
			t.Fatalf("round %d: %v", round+1, err)
		}
	}
}

package kafkasync_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/kafkatest"
)

// consumerProcessEnv makes the test binary run a consumer instead of the
// tests (see TestMain): a process the crash tests kill.
const consumerProcessEnv = "KAFKASYNC_TEST_CONSUMER_PROCESS"

// runConsumerProcess applies the topic of the environment's configuration
// to $KAFKASYNC_TEST_DB until it is killed.
func runConsumerProcess() int {
	log := stderrLogger()
	store, err := articles.OpenStore(articles.Config{DatabaseURL: os.Getenv("KAFKASYNC_TEST_DB")})
	if err == nil {
		err = store.Migrate(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	session, _ := time.ParseDuration(os.Getenv("KAFKASYNC_TEST_SESSION"))
	cfg := kafkasync.Config{Brokers: strings.Split(os.Getenv("KAFKASYNC_TEST_BROKERS"), ","),
		Topic: os.Getenv("KAFKASYNC_TEST_TOPIC"), GroupID: os.Getenv("KAFKASYNC_TEST_GROUP"), SessionTimeout: session}
	w := kafkasync.NewWriter(cfg, kafkasync.WithLogger(log))
	r := kafkasync.NewReader(cfg, kafkasync.WithLogger(log))
	_ = kafkasync.NewConsumer(r, w, articles.NewService(store), cfg, kafkasync.WithLogger(log)).Run(context.Background())
	return 0
}

func stderrLogger() *zap.Logger {
	return zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.Lock(os.Stderr), zap.WarnLevel))
}

// process is a test process; what it writes to stderr is logged when the
// test fails.
type process struct {
	cmd    *exec.Cmd
	stderr string // a file
}

// startProcess runs the test binary as the process env chooses (see
// TestMain), killed at the latest when the test ends.
func startProcess(t *testing.T, name string, env ...string) *process {
	t.Helper()
	stderr, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	p := &process{cmd: exec.Command(os.Args[0], "-test.run=^$"), stderr: stderr.Name()}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = stderr
	// Gone with the test binary, however it ends.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.kill()
		if out, _ := os.ReadFile(p.stderr); t.Failed() && len(out) > 0 {
			t.Logf("%s (pid %d) wrote:\n%s", name, p.cmd.Process.Pid, out[max(0, len(out)-4096):])
		}
	})
	return p
}

// kill kills the process (SIGKILL: no clean shutdown, no leaving the
// group) and waits for it.
func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

// startConsumerProcess starts a consumer process applying to B.
func (f *fixture) startConsumerProcess(name string) *process {
	f.t.Helper()
	return startProcess(f.t, name, consumerProcessEnv+"=1", "KAFKASYNC_TEST_DB="+f.dstDB,
		"KAFKASYNC_TEST_BROKERS="+strings.Join(f.cfg.Brokers, ","), "KAFKASYNC_TEST_TOPIC="+f.cfg.Topic,
		"KAFKASYNC_TEST_GROUP="+f.cfg.GroupID, "KAFKASYNC_TEST_SESSION="+f.cfg.SessionTimeout.String())
}

// crashSession is the group's session time-out in the crash tests: the
// shortest brokers accept by default.
const crashSession = 6 * time.Second

// crashBound is how long past the session time-out B may take, after the
// last kill, to have every change A had then: a member that died while it
// joined is only timed out a session time-out after the rebalance it was
// in; then the live members rejoin and catch up.
const crashBound = crashSession + 15*time.Second

// Consumer processes are killed (SIGKILL) again and again under load: in
// each round the consumer beside a survivor, and then at once two that
// were joining the group in its place; a third takes over. Each round, B
// has every change A had a second after the last kill within the group's
// session time-out and crashBound after it — on the embedded broker in a
// process of its own and on Apache Kafka.
func TestFaultConsumerProcessesKilled(t *testing.T) {
	for _, broker := range []struct {
		name  string
		addrs func(t *testing.T) []string
	}{
		{"embedded", func(t *testing.T) []string { return []string{kafkatest.DevBrokerProcess(t)} }},
		{"kafka", func(t *testing.T) []string { return []string{kafkatest.Require(t).Addr()} }},
	} {
		t.Run(broker.name, func(t *testing.T) {
			f := newFixtureAt(t, broker.addrs(t))
			f.cfg.SessionTimeout = crashSession
			consumersKilled(t, f, 3)
		})
	}
}

func consumersKilled(t *testing.T, f *fixture, rounds int) {
	f.startRelay()
	stop := f.writeUntilStopped()
	t.Cleanup(func() { _ = stop() })
	f.startConsumerProcess("survivor")
	waitMembers(t, f.cfg.Brokers, f.cfg.GroupID, 1)
	victim := f.startConsumerProcess("consumer 0")
	for round := range rounds {
		// The survivor and the victim, and no one else, share the
		// partitions; the victim consumes for a while.
		waitMembers(t, f.cfg.Brokers, f.cfg.GroupID, 2)
		time.Sleep(2 * time.Second)
		victim.kill()
		// Two take its place and are killed while they wait in the
		// rebalance, which waits for the victim's session to time out.
		joining := []*process{f.startConsumerProcess(fmt.Sprintf("consumer %d (joining)", round)),
			f.startConsumerProcess(fmt.Sprintf("consumer %d (joining too)", round))}
		waitGroupSize(t, f.cfg.Brokers, f.cfg.GroupID, 4)
		time.Sleep(time.Second)
		for _, p := range joining {
			p.kill()
		}
		killed := time.Now()
		victim = f.startConsumerProcess(fmt.Sprintf("consumer %d", round+1))
		// What A has a moment later, the consumers are still rebalancing:
		// some of it reaches B only once they are done.
		time.Sleep(time.Second)
		want := versions(t, f.src)
		for {
			behind := f.behind(want)
			if behind == 0 {
				t.Logf("round %d: B had A's %d articles of a second after the last kill %.1fs after it", round, len(want), time.Since(killed).Seconds())
				break
			}
			if time.Since(killed) > f.cfg.SessionTimeout+crashBound {
				t.Fatalf("round %d: %.0fs after the last kill, B lacks %d of the %d articles A had then (group: %s)",
					round, time.Since(killed).Seconds(), behind, len(want), describeGroup(f))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	want := versions(t, f.src)
	for deadline := time.Now().Add(crashBound); f.behind(want) > 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("B lacks %d of A's %d articles %s after the writes stopped", f.behind(want), len(want), crashBound)
		}
	}
	f.assertReplica()
}

// writeUntilStopped writes to A — some 100 articles a second, created,
// updated and deleted — until the function it returns is called, which
// returns the first failure.
func (f *fixture) writeUntilStopped() func() error {
	done := make(chan struct{})
	failed := make(chan error, 1)
	go func() {
		defer close(failed)
		for {
			select {
			case <-done:
				return
			case <-time.After(200 * time.Millisecond):
			}
			if err := f.churnErr(20); err != nil {
				failed <- err
				return
			}
		}
	}()
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() { close(done); err = <-failed })
		return err
	}
}

// versions maps each of svc's articles, tombstones included, to its
// version.
func versions(t *testing.T, svc *articles.Service) map[int64]int64 {
	t.Helper()
	out := map[int64]int64{}
	eachArticle(t, svc, func(ch articles.Change) { out[ch.Article.ID] = ch.Article.Version })
	return out
}

// behind counts the articles of want that B lacks at want's version or a
// later one.
func (f *fixture) behind(want map[int64]int64) int {
	have := versions(f.t, f.dst)
	n := 0
	for id, v := range want {
		if have[id] < v {
			n++
		}
	}
	return n
}

// waitGroupSize waits until group has n members, in whatever state.
func waitGroupSize(t *testing.T, brokers []string, group string, n int) {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(brokers...)}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err := client.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err == nil && len(res.Groups) == 1 && len(res.Groups[0].Members) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s never had %d members: %+v, %v", group, n, res, err)
		}
	}
}

// describeGroup says what the brokers know of the fixture's group: its
// state, members and their partitions, and committed offsets.
func describeGroup(f *fixture) string {
	ctx := context.Background()
	client := &kafka.Client{Addr: kafka.TCP(f.cfg.Brokers...)}
	var b strings.Builder
	res, err := client.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{f.cfg.GroupID}})
	if err != nil {
		return err.Error()
	}
	for _, g := range res.Groups {
		fmt.Fprintf(&b, "%s", g.GroupState)
		for _, m := range g.Members {
			fmt.Fprintf(&b, "; member %s at %s has %v", m.MemberID, m.ClientHost, m.MemberAssignments.Topics)
		}
	}
	off, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: f.cfg.GroupID, Topics: map[string][]int{f.cfg.Topic: {0, 1, 2, 3}}})
	if err != nil {
		return b.String() + "; " + err.Error()
	}
	for _, p := range off.Topics[f.cfg.Topic] {
		fmt.Fprintf(&b, "; partition %d committed %d", p.Partition, p.CommittedOffset)
	}
	return b.String()
}

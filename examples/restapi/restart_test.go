package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/internal/nettest"
	"github.com/articlekit/articlekit/restapi/client"
)

// The test binary runs the program instead of the tests when asked: a real
// process to stop with SIGTERM.
func TestMain(m *testing.M) { app.TestMain(m, main) }

// instance is the program running in a process of its own.
type instance struct {
	t     *testing.T
	url   string // its database
	addr  string
	cmd   *exec.Cmd
	exits chan error
}

func start(t *testing.T, databaseURL, addr string) *instance {
	t.Helper()
	in := &instance{t: t, url: databaseURL, addr: addr}
	in.restart()
	t.Cleanup(func() {
		if in.cmd.ProcessState == nil {
			_ = in.cmd.Process.Kill()
			<-in.exits
		}
	})
	return in
}

func (in *instance) restart() {
	in.t.Helper()
	in.cmd = exec.Command(os.Args[0])
	in.cmd.Env = append(os.Environ(), "ARTICLEKIT_TEST_RUN_MAIN=1", "DATABASE_URL="+in.url, "REST_ADDR="+in.addr, "LOG_LEVEL=warn")
	in.cmd.Stderr = os.Stderr
	if err := in.cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	in.exits = make(chan error, 1)
	go func() { in.exits <- in.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + in.addr + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("the instance on %s never became ready: %v", in.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (in *instance) stop() {
	in.t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		in.t.Fatal(err)
	}
	select {
	case err := <-in.exits:
		if err != nil {
			in.t.Fatalf("the instance on %s exited with %v after SIGTERM", in.addr, err)
		}
	case <-time.After(30 * time.Second):
		in.t.Fatalf("the instance on %s did not stop within 30s of SIGTERM", in.addr)
	}
}

// database is PostgreSQL when a server is configured (as in CI), else a
// SQLite file both instances share.
func database(t *testing.T) string {
	if os.Getenv(articlestest.PostgresURLEnv) != "" {
		return articlestest.NewDatabase(t, sqldb.Postgres)
	}
	return articlestest.NewDatabase(t, sqldb.SQLite)
}

// Two instances behind the gateway are restarted one after the other
// under write load: no client sees an error, and no create is stored
// twice — the typed client's idempotency keys and retries, the gateway's
// retries on the other instance and each instance's drain together.
func TestRollingRestartUnderWriteLoad(t *testing.T) {
	url := database(t)
	a, b := start(t, url, nettest.FreeAddr(t)), start(t, url, nettest.FreeAddr(t))
	reg := prometheus.NewRegistry()
	m, err := gateway.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{
		Upstreams: map[string]gateway.Upstream{"rest": {
			Targets: []gateway.Target{{URL: "http://" + a.addr}, {URL: "http://" + b.addr}},
			Health:  gateway.HealthCheck{Path: "/ready", Interval: 100 * time.Millisecond},
		}},
		Tiers: map[string]gateway.Limit{gateway.TierUnauthenticated: {}},
		Routes: []gateway.Route{
			{Name: "create", Methods: []string{"POST"}, Path: "/articles", Upstream: "rest", Auth: []string{"anonymous"}, Retries: 1},
			{Name: "read", Methods: []string{"GET"}, Path: "/articles/{id}", Upstream: "rest", Auth: []string{"anonymous"}, Retries: 1},
		},
	}, gateway.WithMetrics(m))
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	front := httptest.NewServer(gw)
	defer front.Close()
	c, err := client.New(front.URL)
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu      sync.Mutex
		failed  []error
		created = map[int64]bool{}
		writes  atomic.Int64
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a, err := c.Create(context.Background(), articles.Draft{Title: fmt.Sprintf("w%d-%d", w, i)})
				if err != nil {
					err = fmt.Errorf("create: %w", err)
				} else if _, err = c.Get(context.Background(), a.ID); err != nil {
					err = fmt.Errorf("read %d: %w", a.ID, err)
				}
				mu.Lock()
				if err != nil {
					failed = append(failed, err)
				} else {
					created[a.ID] = true
				}
				mu.Unlock()
				writes.Add(1)
			}
		})
	}
	settle := func() {
		for n := writes.Load(); writes.Load() < n+100; {
			time.Sleep(5 * time.Millisecond)
		}
	}
	settle()
	// As a deployment does, the next instance stops only once the
	// gateway takes requests to the restarted one again.
	inService := func(in *instance) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !targetUp(t, reg, "http://"+in.addr) {
			if time.Now().After(deadline) {
				t.Fatalf("the gateway never took %s back", in.addr)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, in := range []*instance{a, b} {
		in.stop()
		settle() // the other instance serves alone
		in.restart()
		inService(in)
		settle()
	}
	close(stop)
	wg.Wait()

	if len(failed) > 0 {
		t.Fatalf("%d of %d client operations failed during the rolling restart; first: %v", len(failed), writes.Load(), failed[:min(5, len(failed))])
	}
	direct, err := client.New("http://" + a.addr)
	if err != nil {
		t.Fatal(err)
	}
	page, err := direct.List(context.Background(), articles.ListQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != int64(len(created)) {
		t.Fatalf("%d articles stored for %d acknowledged creates: a retry created twice", page.Total, len(created))
	}
	t.Logf("%d creates and reads through two rolling restarts, none failed, none stored twice", writes.Load())
}

// targetUp reads the gateway's gateway_upstream_up for target.
func targetUp(t *testing.T, reg *prometheus.Registry, target string) bool {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "gateway_upstream_up" {
			continue
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "target" && l.GetValue() == target {
					return metric.GetGauge().GetValue() == 1
				}
			}
		}
	}
	return false
}

// A real process stopped with SIGTERM while clients post over keep-alive
// connections closes none of those connections under a request.
func TestSIGTERMResetsNoKeepAliveClient(t *testing.T) {
	in := start(t, database(t), nettest.FreeAddr(t))
	const request = "POST /articles HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{\"title\":\"signal\"}"
	load := nettest.StartKeepAliveLoad(in.addr, request, 16)
	for load.Answered() < 200 {
		time.Sleep(time.Millisecond)
	}
	in.stop()
	if broken := load.Stop(); len(broken) > 0 {
		t.Fatalf("%d requests broke on keep-alive connections during SIGTERM (%d answered): %v",
			len(broken), load.Answered(), broken[:min(5, len(broken))])
	}
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// The soak runs examples/fullstack in a process of its own under mixed
// load — REST reads and writes and GraphQL through the gateway, GraphQL
// subscriptions opened and closed, the ETL export on a short schedule —
// and compares what the process holds after a warm-up with what it holds
// at the end: resident memory, goroutines, open files and database
// connections. Each is read with the load paused for a moment, so that
// requests in flight do not count.

type soakOptions struct {
	duration time.Duration
	clients  int
}

// soakSample is what the fullstack process holds at one moment.
type soakSample struct {
	rssMB      float64
	heapMB     float64
	goroutines float64
	fds        int
	dbConns    float64
	articles   int64
}

func runSoak(o soakOptions) error {
	dir, err := os.MkdirTemp("", "articlekit-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "fullstack")
	build := exec.Command("go", "build", "-o", bin, "github.com/articlekit/articlekit/examples/fullstack")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build fullstack: %w", err)
	}
	addrs := make([]string, 6)
	for i := range addrs {
		if addrs[i], err = freeLoopbackAddr(); err != nil {
			return err
		}
	}
	rest, graphql, gw := addrs[0], addrs[1], addrs[2]
	const key = "soak-api-key-0123456789"
	// The development configuration's routes, for a consumer on the
	// Unlimited tier: the soak measures the process, not the throttling.
	gatewayConfig := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(gatewayConfig, []byte(fmt.Sprintf(`consumers: [{name: soak, tier: Unlimited, api_keys: [%q]}]
upstreams:
  rest: {targets: [{url: "http://%s"}], health: {path: /health, interval: 10s}}
  graphql: {targets: [{url: "http://%s"}]}
routes:
  - {name: articles, path: /articles, upstream: rest, auth: [apikey], retries: 1}
  - {name: article, path: "/articles/{id}", upstream: rest, auth: [apikey], retries: 1}
  - {name: graphql, path: /graphql, upstream: graphql, auth: [apikey], websocket: true}
`, key, rest, graphql)), 0o644); err != nil {
		return err
	}
	// Apache Kafka where it can be started: the embedded broker keeps its
	// messages in the process, which would count as the process growing.
	brokers, brokerLabel, stopBrokers, err := syncBrokers(dir)
	if err != nil {
		return err
	}
	defer stopBrokers()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KAFKA_BROKERS="+strings.Join(brokers, ","), "LOG_LEVEL=warn", "REST_ADDR="+rest, "GRAPHQL_ADDR="+graphql,
		"GATEWAY_CONFIG="+gatewayConfig, "GATEWAY_HTTP_ADDR="+gw, "GATEWAY_HTTPS_ADDR="+addrs[3], "GATEWAY_ADMIN_ADDR="+addrs[4],
		"WEBAPP_ADDR="+addrs[5],
		"ETL_EXPORT_DIR="+dir, "ETL_EXPORT_EVERY=5s")
	logFile, err := os.Create(filepath.Join(dir, "fullstack.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}()
	started := func(err error) error {
		if err == nil {
			return nil
		}
		log, _ := os.ReadFile(logFile.Name())
		return fmt.Errorf("soak: the fullstack did not start: %w; its log's end:\n%s", err, log[max(0, len(log)-2000):])
	}
	if err := started(waitReady("http://" + rest + "/ready")); err != nil {
		return err
	}
	if err := started(waitListening(gw)); err != nil { // the gateway starts last
		return err
	}

	l := &soakLoad{gw: "http://" + gw, key: key, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.clients}}}
	sample := func() (soakSample, error) { return readSample(cmd.Process.Pid, "http://"+rest) }
	warmup := max(o.duration/5, 5*time.Second)
	fmt.Printf("ArticleKit soak: examples/fullstack under mixed load from %d clients for %s (after %s of warm-up), GOMAXPROCS=%d; Kafka: %s\n",
		o.clients, o.duration, warmup, runtimeProcs(), brokerLabel)
	l.run(warmup, o.clients)
	var samples []soakSample
	for i := range 3 {
		if i > 0 {
			l.run(o.duration/2, o.clients)
		}
		s, err := sample()
		if err != nil {
			return err
		}
		samples = append(samples, s)
	}
	if n := l.failed.Load(); n > 0 {
		state := "still running"
		select {
		case err := <-exited:
			state = fmt.Sprintf("exited: %v", err)
			exited <- err
		default:
		}
		kept := filepath.Join(os.TempDir(), "articlekit-soak-fullstack.log")
		log, _ := os.ReadFile(logFile.Name())
		_ = os.WriteFile(kept, log, 0o644)
		return fmt.Errorf("soak: %d of %d operations failed (fullstack %s); first: %v\nthe fullstack log is in %s; its end:\n%s", n,
			l.ops.Load(), state, l.firstError.Load(), kept, log[max(0, len(log)-2000):])
	}
	fmt.Printf("\n%d operations (%d writes, %d subscriptions opened and closed), %d ETL export runs\n\n",
		l.ops.Load(), l.writes.Load(), l.subscriptions.Load(), exportRuns("http://"+rest))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "held by the process\tafter warm-up\thalf-way\tat the end\tsecond half\t")
	row := func(name, unit string, value func(soakSample) float64) {
		a, b, c := value(samples[0]), value(samples[1]), value(samples[2])
		fmt.Fprintf(tw, "%s\t%.1f%s\t%.1f%s\t%.1f%s\t%+.1f%%\t\n", name, a, unit, b, unit, c, unit, 100*(c-b)/max(b, 1))
	}
	row("resident memory", " MB", func(s soakSample) float64 { return s.rssMB })
	row("Go heap live after GC", " MB", func(s soakSample) float64 { return s.heapMB })
	row("goroutines", "", func(s soakSample) float64 { return s.goroutines })
	row("open file descriptors", "", func(s soakSample) float64 { return float64(s.fds) })
	row("open database connections", "", func(s soakSample) float64 { return s.dbConns })
	row("articles stored", "", func(s soakSample) float64 { return float64(s.articles) })
	return tw.Flush()
}

// soakLoad is the mixed load and what it did.
type soakLoad struct {
	gw, key                    string
	client                     *http.Client
	ops, writes, subscriptions atomic.Int64
	failed                     atomic.Int64
	firstError                 atomic.Value
	mu                         sync.Mutex
	ids                        []int64
}

// run runs clients workers for d, each doing a mix of operations.
func (l *soakLoad) run(d time.Duration, clients int) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for i := 0; ctx.Err() == nil; i++ {
				var err error
				switch i % 10 {
				case 0, 1:
					err = l.write(r)
				case 2, 3, 4, 5:
					err = l.read(r)
				case 6:
					err = l.list()
				case 7, 8:
					err = l.graphql(r)
				case 9:
					if w%2 == 0 { // half the workers also subscribe now and then
						err = l.subscribe(ctx)
					}
				}
				l.ops.Add(1)
				if err != nil && ctx.Err() == nil {
					if l.failed.Add(1) == 1 {
						l.firstError.Store(err)
					}
				}
			}
		})
	}
	wg.Wait()
	time.Sleep(time.Second) // what the load left in flight ends
}

func (l *soakLoad) do(req *http.Request, want int) ([]byte, error) {
	req.Header.Set("apikey", l.key)
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != want {
		err = fmt.Errorf("%s %s: %d %.200s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return body, err
}

func (l *soakLoad) write(r *rand.Rand) error {
	body := fmt.Sprintf(`{"title":"soak %d","content":"%s","author":"soak","tags":["soak","t%d"]}`,
		r.Int(), strings.Repeat("x", 200+r.IntN(800)), r.IntN(20))
	req, _ := http.NewRequest(http.MethodPost, l.gw+"/articles", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", strconv.Quote(fmt.Sprintf("soak-%d", r.Uint64())))
	answer, err := l.do(req, http.StatusCreated)
	if err != nil {
		return err
	}
	var a struct{ ID int64 }
	if err := json.Unmarshal(answer, &a); err != nil {
		return err
	}
	l.writes.Add(1)
	l.mu.Lock()
	l.ids = append(l.ids, a.ID)
	l.mu.Unlock()
	return nil
}

func (l *soakLoad) someID(r *rand.Rand) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ids) == 0 {
		return 0
	}
	return l.ids[r.IntN(len(l.ids))]
}

func (l *soakLoad) read(r *rand.Rand) error {
	id := l.someID(r)
	if id == 0 {
		return nil
	}
	_, err := l.do(get(l.gw+"/articles/"+strconv.FormatInt(id, 10)), http.StatusOK)
	return err
}

func (l *soakLoad) list() error {
	_, err := l.do(get(l.gw+"/articles?limit=20&tag=soak"), http.StatusOK)
	return err
}

func (l *soakLoad) graphql(r *rand.Rand) error {
	query := `{ getArticles(limit: 10) { id title tags } }`
	if id := l.someID(r); id != 0 && r.IntN(2) == 0 {
		query = fmt.Sprintf(`{ getArticle(id: %d) { id title version } }`, id)
	}
	body, _ := json.Marshal(map[string]string{"query": query})
	answer, err := l.do(post(l.gw+"/graphql", body), http.StatusOK)
	if err == nil && strings.Contains(string(answer), `"errors"`) {
		err = fmt.Errorf("graphql: %.200s", answer)
	}
	return err
}

// subscribe opens a subscription through the gateway, waits for one
// change or a moment, and closes it.
func (l *soakLoad) subscribe(ctx context.Context) error {
	// Generous: a busy machine can take a while to answer the handshake.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(l.gw, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPClient: l.client,
			HTTPHeader: http.Header{"Apikey": {l.key}}})
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	defer conn.CloseNow()
	if err := wsjson.Write(ctx, conn, map[string]any{"type": "connection_init"}); err != nil {
		return err
	}
	var msg map[string]any
	if err := wsjson.Read(ctx, conn, &msg); err != nil || msg["type"] != "connection_ack" {
		return fmt.Errorf("subscribe: %v %v", msg, err)
	}
	if err := wsjson.Write(ctx, conn, map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": "subscription { articleChanged { id } }"}}); err != nil {
		return err
	}
	wait, stop := context.WithTimeout(ctx, 500*time.Millisecond)
	defer stop()
	_ = wsjson.Read(wait, conn, &msg) // a change, or none within the moment
	l.subscriptions.Add(1)
	return conn.Close(websocket.StatusNormalClosure, "")
}

// readSample reads what process pid holds: its memory and files from
// /proc, its goroutines and database connections from its /metrics.
func readSample(pid int, rest string) (soakSample, error) {
	var s soakSample
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			s.rssMB = kb / 1024
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.fds = len(fds)
	metrics, err := scrape(rest + "/metrics")
	if err != nil {
		return s, err
	}
	s.goroutines = metrics["go_goroutines"]
	s.heapMB = metrics["go_gc_heap_live_bytes"] / (1 << 20)
	s.dbConns = metrics["go_sql_open_connections"]
	s.articles = int64(metrics["articles_stored"])
	return s, nil
}

// scrape sums each metric's samples in a Prometheus text exposition.
func scrape(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	sums := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name, rest = name[:i], line[strings.LastIndexByte(line, '}')+2:]
		}
		value, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
		if err == nil {
			sums[name] += value
		}
	}
	return sums, sc.Err()
}

func exportRuns(rest string) int {
	m, err := scrape(rest + "/metrics")
	if err != nil {
		return 0
	}
	return int(m["etl_runs_total"])
}

func waitReady(url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s never answered 200: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitListening(addr string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on %s: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Command bench measures ArticleKit's throughput and latency on this
// machine, against a bare net/http JSON handler measured in the same run as
// the baseline, so that ratios hold on a noisy machine.
//
//	go run ./examples/bench rest [-duration 10s] [-rounds 5] [-concurrency 32]
//
// Each scenario runs in rounds, each round right after a round of the
// baseline, and the ratio reported is the median of the per-round ratios:
// the machine's speed drifts, but two adjacent rounds see the same machine.
//
// Everything runs in this process on 127.0.0.1: the servers, a SQLite
// database in a temporary directory, and the load generator (keep-alive
// HTTP/1.1 clients, one goroutine each).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "rest" {
		fmt.Fprintln(os.Stderr, "usage: bench rest [-duration 10s] [-rounds 5] [-concurrency 32] [-seed 1000] [-only name] [-cpuprofile file]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("rest", flag.ExitOnError)
	duration := fs.Duration("duration", 10*time.Second, "measuring time per scenario, split into rounds")
	warmup := fs.Duration("warmup", time.Second, "unmeasured warm-up per scenario")
	concurrency := fs.Int("concurrency", 32, "concurrent clients")
	seed := fs.Int("seed", 1000, "articles stored before measuring")
	rounds := fs.Int("rounds", 5, "rounds per scenario, each paired with a baseline round")
	only := fs.String("only", "", "run only the scenarios whose name contains this")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured scenarios to this file")
	_ = fs.Parse(os.Args[2:])
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer f.Close()
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	filter = *only
	if err := runREST(*duration, *warmup, *concurrency, *seed, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// filter selects scenarios by name (-only).
var filter string

// result is one scenario's measurement.
type result struct {
	name      string
	latencies []time.Duration // sorted
	errors    int64
	elapsed   time.Duration
	ratio     float64
}

func (r result) rps() float64 { return float64(len(r.latencies)) / r.elapsed.Seconds() }

func (r result) p50() time.Duration { return r.quantile(0.50) }
func (r result) p99() time.Duration { return r.quantile(0.99) }

func (r result) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[int(q*float64(len(r.latencies)-1))]
}

func (r result) merge(o result) result {
	r.latencies = append(r.latencies, o.latencies...)
	slices.Sort(r.latencies)
	r.errors += o.errors
	r.elapsed += o.elapsed
	return r
}

func merged(rs []result) result {
	var out result
	for _, r := range rs {
		out = out.merge(r)
	}
	return out
}

func runREST(duration, warmup time.Duration, concurrency, seed, rounds int) error {
	dir, err := os.MkdirTemp("", "articlekit-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The access log stays on, encoded as in production, into io.Discard.
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel))
	store, err := articles.OpenStore(articles.Config{DatabaseURL: "sqlite://" + filepath.Join(dir, "bench.db")}, log)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	svc := articles.NewService(store, articles.WithLogger(log))
	reg := metrics.NewRegistry()
	httpMetrics, err := metrics.NewHTTP(reg)
	if err != nil {
		return err
	}
	reg.MustRegister(svc.Collector())
	api := restapi.New(svc, restapi.WithLogger(log), restapi.WithMetrics(httpMetrics, reg))

	restURL, stopREST, err := serve(api)
	if err != nil {
		return err
	}
	defer stopREST()
	bareURL, stopBare, err := serve(bareHandler())
	if err != nil {
		return err
	}
	defer stopBare()

	var ids []int64
	for i := range seed {
		a, err := svc.Create(ctx, sampleDraft(i))
		if err != nil {
			return err
		}
		ids = append(ids, a.ID)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency}}
	body, _ := json.Marshal(sampleDraft(0))
	scenarios := []struct {
		name string
		req  func(r *rand.Rand) *http.Request
		want int
	}{
		{"bare net/http JSON handler (baseline)", func(r *rand.Rand) *http.Request {
			return get(bareURL + "/articles/" + strconv.FormatInt(ids[r.IntN(len(ids))], 10))
		}, 200},
		{"GET /articles/{id}", func(r *rand.Rand) *http.Request {
			return get(restURL + "/articles/" + strconv.FormatInt(ids[r.IntN(len(ids))], 10))
		}, 200},
		{"GET /articles?limit=20", func(*rand.Rand) *http.Request {
			return get(restURL + "/articles?limit=20")
		}, 200},
		{"POST /articles", func(*rand.Rand) *http.Request {
			req, _ := http.NewRequest(http.MethodPost, restURL+"/articles", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			return req
		}, 201},
	}

	fmt.Printf("ArticleKit REST benchmark: %d clients, %s per scenario in %d rounds, each paired with a baseline round; SQLite, %d articles seeded, GOMAXPROCS=%d\n\n",
		concurrency, duration, rounds, seed, runtime.GOMAXPROCS(0))
	baseline := scenarios[0]
	load(client, concurrency, warmup, baseline.req, baseline.want)
	var results []result
	var baseAll result
	for _, sc := range scenarios[1:] {
		if !strings.Contains(sc.name, filter) {
			continue
		}
		load(client, concurrency, warmup, sc.req, sc.want)
		// The machine's speed drifts: compare each round with a baseline
		// round run just before it, and report the median ratio.
		var roundResults []result
		var ratios []float64
		for range rounds {
			base := load(client, concurrency, duration/time.Duration(rounds), baseline.req, baseline.want)
			res := load(client, concurrency, duration/time.Duration(rounds), sc.req, sc.want)
			ratios = append(ratios, res.rps()/base.rps())
			roundResults = append(roundResults, res)
			baseAll = baseAll.merge(base)
		}
		res := merged(roundResults)
		res.name = sc.name
		slices.Sort(ratios)
		res.ratio = ratios[len(ratios)/2]
		results = append(results, res)
	}
	baseAll.name, baseAll.ratio = baseline.name, 1
	results = append([]result{baseAll}, results...)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\treq/s\tp50\tp99\terrors\tvs baseline (median of rounds)\t")
	var failed int64
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%d\t%.0f%%\t\n", r.name, r.rps(), round(r.p50()), round(r.p99()), r.errors, 100*r.ratio)
		failed += r.errors
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d requests failed or got an unexpected status", failed)
	}
	return nil
}

// load runs concurrency clients for d and measures them.
func load(client *http.Client, concurrency int, d time.Duration, newReq func(*rand.Rand) *http.Request, want int) result {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		all     []time.Duration
		errs    atomic.Int64
		stopped atomic.Bool
	)
	start := time.Now()
	time.AfterFunc(d, func() { stopped.Store(true) })
	for w := range concurrency {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			lat := make([]time.Duration, 0, 1<<14)
			for !stopped.Load() {
				t0 := time.Now()
				resp, err := client.Do(newReq(r))
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					errs.Add(1)
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(all)
	return result{latencies: all, errors: errs.Load(), elapsed: time.Since(start)}
}

// bareHandler is the baseline: net/http's mux and a JSON-encoded article,
// with no storage, routing library or middleware.
func bareHandler() http.Handler {
	mux := http.NewServeMux()
	now := time.Now().UTC()
	mux.HandleFunc("GET /articles/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		d := sampleDraft(int(id))
		a := articles.Article{ID: id, Title: d.Title, Content: d.Content, Author: d.Author, Tags: d.Tags,
			CreatedAt: now, UpdatedAt: now, Version: 1}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a)
	})
	return mux
}

func sampleDraft(i int) articles.Draft {
	return articles.Draft{
		Title:   fmt.Sprintf("Benchmark article %d", i),
		Content: "ArticleKit benchmark body. " + string(bytes.Repeat([]byte("Lorem ipsum dolor sit amet. "), 20)),
		Author:  "bench",
		Tags:    []string{"bench", "go"},
	}
}

func serve(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

func get(url string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	return req
}

func round(d time.Duration) time.Duration {
	if d > time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

package main

import (
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// scenario is one kind of request and the status it must get.
type scenario struct {
	name string
	req  func(r *rand.Rand) *http.Request
	want int
	// proxyCPU, when set, is the CPU time the proxy in front of the
	// scenario's server (another process) has used so far.
	proxyCPU func() time.Duration
	// clients, when set, replaces -concurrency for this scenario: a
	// latency figure without queueing behind the other clients.
	clients int
}

// concurrency is how many clients run sc.
func (sc scenario) concurrency(opts options) int {
	if sc.clients > 0 {
		return sc.clients
	}
	return opts.concurrency
}

// suite is a baseline and the scenarios measured against it.
type suite struct {
	title     string
	baseline  scenario
	scenarios []scenario
	// start, when set, prepares the suite's layout before it runs; stop
	// undoes it.
	start func() (stop func(), err error)
}

// result is one scenario's measurement.
type result struct {
	name        string
	latencies   []time.Duration // sorted
	errors      int64
	elapsed     time.Duration
	ratio       float64
	cpu         time.Duration // used by the proxy
	cpuMeasured bool
}

func (r result) rps() float64 { return float64(len(r.latencies)) / r.elapsed.Seconds() }
func (r result) cpuPerRequest() time.Duration {
	return r.cpu / time.Duration(max(1, len(r.latencies)))
}
func (r result) p50() time.Duration { return r.quantile(0.50) }
func (r result) p99() time.Duration { return r.quantile(0.99) }

func (r result) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[int(q*float64(len(r.latencies)-1))]
}

func (r result) merge(o result) result {
	r.latencies = slices.Concat(r.latencies, o.latencies)
	slices.Sort(r.latencies)
	r.errors += o.errors
	r.elapsed += o.elapsed
	r.cpu += o.cpu
	return r
}

// run measures each scenario in rounds, each right after a baseline
// round, and reports the median ratio of the paired rounds.
func (s suite) run(client *http.Client, opts options) []result {
	slice := opts.duration / time.Duration(opts.rounds)
	load(client, opts.concurrency, opts.warmup, s.baseline)
	var baseline result
	var results []result
	for _, sc := range s.scenarios {
		if !matches(sc.name, opts.only) {
			continue
		}
		load(client, sc.concurrency(opts), opts.warmup, sc)
		var measured result
		var ratios []float64
		for range opts.rounds {
			base := load(client, opts.concurrency, slice, s.baseline)
			res := s.measure(client, sc.concurrency(opts), slice, sc)
			ratios = append(ratios, res.rps()/base.rps())
			baseline, measured = baseline.merge(base), measured.merge(res)
		}
		slices.Sort(ratios)
		measured.name, measured.ratio, measured.cpuMeasured = sc.name, ratios[len(ratios)/2], sc.proxyCPU != nil
		results = append(results, measured)
	}
	baseline.name, baseline.ratio = s.baseline.name+" (baseline)", 1
	return append([]result{baseline}, results...)
}

// measure is load, with the proxy's CPU time when the scenario measures it.
func (s suite) measure(client *http.Client, concurrency int, d time.Duration, sc scenario) result {
	if sc.proxyCPU == nil {
		return load(client, concurrency, d, sc)
	}
	before := sc.proxyCPU()
	res := load(client, concurrency, d, sc)
	res.cpu = sc.proxyCPU() - before
	return res
}

// load runs concurrency clients of sc for d and measures them.
func load(client *http.Client, concurrency int, d time.Duration, sc scenario) result {
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
				resp, err := client.Do(sc.req(r))
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != sc.want {
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

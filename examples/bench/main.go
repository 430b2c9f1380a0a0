// Command bench measures ArticleKit's throughput and latency on this
// machine, each scenario against a baseline measured in the same run, so
// that ratios hold on a noisy machine.
//
//	go run ./examples/bench rest      # REST API vs a bare net/http JSON handler
//	go run ./examples/bench graphql   # GraphQL, both backends, vs REST GET /articles/{id}
//	go run ./examples/bench gateway   # GET through the API gateway vs the REST API directly
//	go run ./examples/bench etl       # ETL full load SQLite → PostgreSQL vs psql \\copy
//	go run ./examples/bench soak      # fullstack under mixed load: memory, goroutines, files, connections stay flat
//	go run ./examples/bench all
//
// Flags (after the command): -duration 10s -rounds 5 -warmup 1s
// -concurrency 32 -seed 1000 -only <name part> -cpuprofile <file>.
//
// Each scenario runs in rounds, each round right after a round of its
// suite's baseline, and the ratio reported is the median of the per-round
// ratios: the machine's speed drifts, but adjacent rounds see the same
// machine.
//
// Everything runs in this process on 127.0.0.1: the servers (with access
// logs and metrics on, logs encoded into io.Discard), a SQLite database in a
// temporary directory, and the load generator (keep-alive HTTP/1.1 clients,
// one goroutine each). The exceptions: the gateway suite runs a second time
// with the proxies in a child process on a CPU of their own (and nginx
// beside them as a reference when it is installed), and the ETL pipeline
// runs in a child process so that its peak memory is its own.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

const usage = "usage: bench rest|graphql|gateway|sync|etl|soak|all [-rows 1000000] [-soak 2m] [-duration 10s] [-rounds 5] [-warmup 1s] [-concurrency 32] [-seed 1000] [-only name] [-changes 100000] [-rate 1000] [-paced 10s] [-cpuprofile file]"

type options struct {
	duration, warmup time.Duration
	concurrency      int
	seed             int
	rounds           int
	only             string
}

func main() {
	if len(os.Args) == 5 && os.Args[1] == "etl-load" {
		if err := loadETL(os.Args[2], os.Args[3], os.Args[4]); err != nil {
			fmt.Fprintln(os.Stderr, "bench etl-load:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) == 4 && os.Args[1] == "gateway-serve" {
		if err := serveGateway(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "bench gateway-serve:", err)
			os.Exit(1)
		}
		return
	}
	commands := []string{"rest", "graphql", "gateway", "sync", "etl", "soak", "all"}
	if len(os.Args) == 2 && (os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help") {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(0)
	}
	if len(os.Args) < 2 || !slices.Contains(commands, os.Args[1]) {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	var opts options
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	fs.DurationVar(&opts.duration, "duration", 10*time.Second, "measuring time per scenario, split into rounds")
	fs.DurationVar(&opts.warmup, "warmup", time.Second, "unmeasured warm-up per scenario")
	fs.IntVar(&opts.concurrency, "concurrency", 32, "concurrent clients")
	fs.IntVar(&opts.seed, "seed", 1000, "articles stored before measuring")
	fs.IntVar(&opts.rounds, "rounds", 5, "rounds per scenario, each paired with a baseline round")
	fs.StringVar(&opts.only, "only", "", "run only the scenarios whose name contains this")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	var sopts syncOptions
	fs.IntVar(&sopts.changes, "changes", 100_000, "sync: changes in the throughput run")
	fs.IntVar(&sopts.rate, "rate", 1000, "sync: changes per second in the delay run")
	fs.DurationVar(&sopts.paced, "paced", 10*time.Second, "sync: length of the delay run")
	var eopts etlOptions
	fs.IntVar(&eopts.rows, "rows", 1_000_000, "etl: article rows loaded")
	eopts.pgURL = os.Getenv("ARTICLEKIT_TEST_POSTGRES_URL")
	soak := fs.Duration("soak", 2*time.Minute, "soak: length of the measured run, after a warm-up of a fifth of it")
	_ = fs.Parse(os.Args[2:])
	if os.Args[1] == "soak" {
		if err := runSoak(soakOptions{duration: *soak, clients: 16}); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	eopts.cpuProfile = *cpuProfile
	if os.Args[1] == "etl" {
		if err := runETL(eopts); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	err := run(os.Args[1], opts, sopts, *cpuProfile)
	if err == nil && os.Args[1] == "all" {
		fmt.Println()
		err = runETL(eopts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(command string, opts options, sopts syncOptions, cpuProfile string) error {
	if command == "sync" {
		sopts.cpuProfile = cpuProfile // the sync phase only, not the writes before it
		return runSync(sopts)
	}
	stopProfile, err := startCPUProfile(cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	var suites []func(*env) suite
	if command == "rest" || command == "all" {
		suites = append(suites, (*env).restSuite)
	}
	if command == "graphql" || command == "all" {
		suites = append(suites, (*env).graphqlSuite)
	}
	if command == "gateway" || command == "all" {
		suites = append(suites, (*env).gatewaySuite, (*env).gatewayDedicatedSuite)
	}
	fmt.Printf("ArticleKit benchmark: %d clients, %s per scenario in %d rounds, each after a baseline round; SQLite, %d articles seeded per suite, GOMAXPROCS=%d\n",
		opts.concurrency, opts.duration, opts.rounds, opts.seed, runtime.GOMAXPROCS(0))
	var failed int64
	for _, makeSuite := range suites {
		// A fresh store per suite: one suite's writes must not grow the
		// data another suite reads.
		e, err := setup(opts.seed)
		if err != nil {
			return err
		}
		s := makeSuite(e)
		stop := func() {}
		if s.start != nil {
			if stop, err = s.start(); err != nil {
				e.close()
				if skip := errSkip(""); errors.As(err, &skip) {
					fmt.Printf("\n%s\n\nskipped: %s\n", s.title, skip)
					continue
				}
				return err
			}
		}
		results := s.run(e.client(opts.concurrency), opts)
		stop()
		e.close()
		if err := report(s, results); err != nil {
			return err
		}
		for _, r := range results {
			failed += r.errors
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d requests failed or got an unexpected status", failed)
	}
	if command == "all" {
		fmt.Println()
		return runSync(sopts)
	}
	return nil
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

func report(s suite, results []result) error {
	fmt.Printf("\n%s\n\n", s.title)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	cpu := slices.ContainsFunc(results, func(r result) bool { return r.cpuMeasured })
	header := "scenario\treq/s\tp50\tp99\terrors\tvs baseline (median of rounds)\t"
	if cpu {
		header += "proxy CPU per request\t"
	}
	fmt.Fprintln(tw, header)
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%d\t%.0f%%\t", r.name, r.rps(), round(r.p50()), round(r.p99()), r.errors, 100*r.ratio)
		switch {
		case r.cpuMeasured:
			fmt.Fprintf(tw, "%s\t", r.cpuPerRequest().Round(100*time.Nanosecond))
		case cpu:
			fmt.Fprint(tw, "\t")
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func round(d time.Duration) time.Duration {
	if d > time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func matches(name, only string) bool { return only == "" || strings.Contains(name, only) }

// startCPUProfile profiles the process into path until stop; with path ""
// it does nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// Command etl runs a pipeline file, ArticleKit's YAML or a Pentaho Kettle
// transformation (.ktr), or checks it.
//
//	etl run      FILE   run it: a progress bar on a terminal, logs otherwise
//	etl validate FILE   parse and plan it, moving no row
//	etl diff --dry-run FILE
//	                    run it without writing: report what its diff (MergeRows) steps would change
//
// ${NAME} references in the file take their values from the environment
// and, for a .ktr file, from -params FILE (NAME=value lines) and the
// file's parameter defaults. A .ktr file's connections are replaced by
// KTR_CONNECTION_<NAME>_URL (or _USER, _PASSWORD) variables.
// It exits with status 1 when the run fails, 2 on a usage error, and
// prints a summary of every step's rows at the end.
//
// A file with a schedule runs until interrupted; with -metrics-addr ADDR
// (or ETL_METRICS_ADDR) it serves its runs' metrics, Go's and the
// process's at http://ADDR/metrics for Prometheus meanwhile. A one-off run
// ends before a scrape would see it, so it serves none.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/built"
	"github.com/articlekit/articlekit/etl/load"
	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/internal/httpserver"
	"github.com/articlekit/articlekit/metrics"
)

const usage = `usage: etl run [-params FILE] [-metrics-addr ADDR] FILE | etl validate [-params FILE] FILE | etl diff --dry-run [-params FILE] FILE`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(stderr, usage)
		return 0
	}
	if len(args) < 2 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	cmd := args[0]
	flags := flag.NewFlagSet(cmd, flag.ContinueOnError)
	flags.SetOutput(stderr)
	dryRun := flags.Bool("dry-run", false, "write nothing (diff)")
	params := flags.String("params", "", "a .ktr file's parameters: NAME=value lines")
	metricsAddr := flags.String("metrics-addr", os.Getenv("ETL_METRICS_ADDR"),
		"a scheduled run: serve /metrics for Prometheus on this address (default $ETL_METRICS_ADDR)")
	if err := flags.Parse(args[1:]); err != nil || flags.NArg() != 1 {
		fmt.Fprintln(stderr, usage)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cmd == "diff" && !*dryRun {
		fmt.Fprintln(stderr, "etl diff: only --dry-run is supported; use etl run to apply the changes")
		return 2
	}
	if cmd != "run" && cmd != "validate" && cmd != "diff" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	var opts []load.Option
	if *params != "" {
		opts = append(opts, load.Params(*params))
	}
	if cmd == "diff" {
		opts = append(opts, load.DryRun())
	}
	b, err := load.File(flags.Arg(0), opts...)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	defer b.Close()
	p := b.Pipeline
	if cmd == "validate" {
		if err := p.Plan(ctx); err != nil {
			fmt.Fprintln(stderr, "error:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: valid (%d steps, %d hops)\n", p.Name(), len(p.Steps()), len(p.Hops()))
		return 0
	}
	if b.Schedule != (etl.Schedule{}) && cmd == "run" {
		// A scheduled pipeline runs until interrupted, logging each run.
		log, err := newLogger(stderr)
		if err != nil {
			fmt.Fprintln(stderr, "error:", err)
			return 1
		}
		defer log.Sync() //nolint:errcheck // nothing to do about it at exit
		scheduledOpts := []etl.RunOption{etl.WithLogger(log)}
		if *metricsAddr != "" {
			m, stop, err := serveMetrics(*metricsAddr, log)
			if err != nil {
				fmt.Fprintln(stderr, "error:", err)
				return 1
			}
			defer stop()
			scheduledOpts = append(scheduledOpts, etl.WithMetrics(m))
		}
		if err := etl.RunScheduled(ctx, p, b.Schedule, scheduledOpts...); err != nil {
			fmt.Fprintln(stderr, "error:", err)
			return 1
		}
		return 0
	}
	var runOpts []etl.RunOption
	logged := false // a failed run's error is in the log: not printed again
	if f, ok := stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		srcs := sources(p)
		bar := progressbar.NewOptions64(expectedRows(ctx, p), progressbar.OptionSetWriter(stderr), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"), progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
		// Its clock starts now, with the run: left to its first render, the
		// first rate was the rows of 200ms over a few microseconds.
		bar.StartWithoutRender()
		runOpts = append(runOpts, etl.WithProgress(200*time.Millisecond, func(pr etl.Progress) {
			_ = bar.Set64(sourceRows(pr.Steps, srcs))
			if pr.Finished {
				_ = bar.Finish()
			}
		}))
	} else {
		log, err := newLogger(stderr)
		if err != nil {
			fmt.Fprintln(stderr, "error:", err)
			return 1
		}
		defer log.Sync() //nolint:errcheck // nothing to do about it at exit
		runOpts = append(runOpts, etl.WithLogger(log))
		logged = true
	}
	res, err := p.Run(ctx, runOpts...)
	summarize(stdout, res, b, err)
	if err != nil {
		if !logged {
			fmt.Fprintln(stderr, "error:", err)
		}
		return 1
	}
	return 0
}

// newLogger is the logger of runs that are not on a terminal, writing to
// w (LOG_FORMAT, LOG_LEVEL as the other programs read them).
func newLogger(w io.Writer) (*zap.Logger, error) {
	var cfg app.Logging
	if err := app.LoadEnv(&cfg); err != nil {
		return nil, err
	}
	return app.NewLoggerTo(w, cfg)
}

// serveMetrics listens on addr, at once so that a busy address fails the
// run, and serves the ETL's metrics with Go's and the process's at
// /metrics until stop.
func serveMetrics(addr string, log *zap.Logger) (m *etl.Metrics, stop func(), err error) {
	reg := metrics.NewRegistry()
	if m, err = etl.NewMetrics(reg); err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(reg))
	srv := httpserver.New(httpserver.Config{Addr: addr, DrainPeriod: -1}, mux, httpserver.WithLogger(log.Named("metrics")))
	if err := srv.Start(); err != nil {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	return m, func() { _ = srv.Stop(context.Background()) }, nil
}

// sources returns the names of the steps no hop feeds.
func sources(p *etl.Pipeline) []string {
	fed := map[string]bool{}
	for _, h := range p.Hops() {
		fed[h.To] = true
	}
	var names []string
	for _, name := range p.Steps() {
		if !fed[name] {
			names = append(names, name)
		}
	}
	return names
}

// expectedRows asks the sources how many rows they will emit, for the
// progress bar's ETA: -1 when one cannot tell.
func expectedRows(ctx context.Context, p *etl.Pipeline) int64 {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var total int64
	for _, name := range sources(p) {
		step, _ := p.Step(name)
		c, ok := step.(etl.Counter)
		if !ok {
			return -1
		}
		n, err := c.Count(ctx)
		if err != nil || n < 0 {
			return -1
		}
		total += n
	}
	return total
}

// sourceRows counts the rows the pipeline's sources have emitted.
func sourceRows(steps []etl.StepStats, names []string) int64 {
	var n int64
	for _, s := range steps {
		if slices.Contains(names, s.Name) {
			n += s.Written
		}
	}
	return n
}

func summarize(w io.Writer, res *etl.Result, b *built.Pipeline, err error) {
	if res == nil || len(res.Steps) == 0 {
		return // refused before it ran
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tread\twritten\trejected\t")
	for _, s := range res.Steps {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", s.Name, s.Read, s.Written, s.Rejected)
	}
	_ = tw.Flush()
	names := make([]string, 0, len(b.Diffs))
	for name := range b.Diffs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		c := b.Diffs[name].Counts()
		fmt.Fprintf(w, "%s: %d new, %d changed, %d deleted, %d identical\n", name, c.New, c.Changed, c.Deleted, c.Identical)
	}
	outcome := "finished"
	if err != nil {
		outcome = "failed"
	}
	fmt.Fprintf(w, "run %s of %s %s in %s\n", res.RunID, res.Pipeline, outcome, res.Duration.Round(time.Millisecond))
}

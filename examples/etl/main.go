// Command etl runs an ArticleKit pipeline file (YAML) or checks it.
//
//	etl run      pipeline.yaml   run it: a progress bar on a terminal, logs otherwise
//	etl validate pipeline.yaml   parse and plan it, moving no row
//	etl diff --dry-run pipeline.yaml
//	                             run it without writing: report what its diff steps would change
//
// ${NAME} references in the file take their values from the environment.
// It exits with status 1 when the run fails, 2 on a usage error, and
// prints a summary of every step's rows at the end.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/pipefile"
)

const usage = `usage: etl run FILE | etl validate FILE | etl diff --dry-run FILE`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	cmd := args[0]
	flags := flag.NewFlagSet(cmd, flag.ContinueOnError)
	flags.SetOutput(stderr)
	dryRun := flags.Bool("dry-run", false, "write nothing (diff)")
	if err := flags.Parse(args[1:]); err != nil || flags.NArg() != 1 {
		fmt.Fprintln(stderr, usage)
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
	built, err := load(flags.Arg(0), cmd == "diff")
	if err != nil {
		fmt.Fprintln(stderr, "etl:", err)
		return 1
	}
	defer built.Close()
	p := built.Pipeline
	if cmd == "validate" {
		if err := p.Plan(ctx); err != nil {
			fmt.Fprintln(stderr, "etl:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: valid (%d steps, %d hops)\n", p.Name(), len(p.Steps()), len(p.Hops()))
		return 0
	}
	opts := []etl.RunOption{}
	if f, ok := stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		bar := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"), progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
		opts = append(opts, etl.WithProgress(200*time.Millisecond, func(pr etl.Progress) {
			_ = bar.Set64(sourceRows(pr.Steps, p))
			if pr.Finished {
				_ = bar.Finish()
			}
		}))
	} else {
		log, err := zap.NewProduction()
		if err != nil {
			fmt.Fprintln(stderr, "etl:", err)
			return 1
		}
		defer log.Sync() //nolint:errcheck // nothing to do about it at exit
		opts = append(opts, etl.WithLogger(log))
	}
	res, err := p.Run(ctx, opts...)
	summarize(stdout, res, built)
	if err != nil {
		fmt.Fprintln(stderr, "etl:", err)
		return 1
	}
	return 0
}

func load(path string, dryRun bool) (*pipefile.Built, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	file, err := pipefile.Parse(f, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	return file.Build(dryRun)
}

// sourceRows counts the rows the pipeline's sources have emitted.
func sourceRows(steps []etl.StepStats, p *etl.Pipeline) int64 {
	fed := map[string]bool{}
	for _, h := range p.Hops() {
		fed[h.To] = true
	}
	var n int64
	for _, s := range steps {
		if !fed[s.Name] {
			n += s.Written
		}
	}
	return n
}

func summarize(w io.Writer, res *etl.Result, built *pipefile.Built) {
	if res == nil {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tread\twritten\trejected\t")
	for _, s := range res.Steps {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", s.Name, s.Read, s.Written, s.Rejected)
	}
	_ = tw.Flush()
	for name, d := range built.Diffs {
		c := d.Counts()
		fmt.Fprintf(w, "%s: %d new, %d changed, %d deleted, %d identical\n", name, c.New, c.Changed, c.Deleted, c.Identical)
	}
	fmt.Fprintf(w, "run %s of %s: %s\n", res.RunID, res.Pipeline, res.Duration.Round(time.Millisecond))
}

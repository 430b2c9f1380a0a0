package etl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/robfig/cron/v3"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/internal/background"
)

// Schedule says when a pipeline runs: once (the zero value), every
// interval, at the times of a cron expression, or continuously. Runs never
// overlap: a time that comes while a run goes on is skipped.
type Schedule struct {
	// Every starts a run every interval, the first at once.
	Every time.Duration
	// Cron starts a run at the times of a standard five-field expression
	// ("*/5 * * * *") or a descriptor ("@hourly").
	Cron string
	// Continuous starts a run as soon as the last one ends, after Pause
	// (default 1s) — the original sync script's "continuous" mode.
	Continuous bool
	Pause      time.Duration
}

// ErrSchedule marks a schedule that makes no sense.
var ErrSchedule = errors.New("etl: bad schedule")

// next returns when the run after one started at last should start; ok is
// false for a one-off schedule.
type nextFunc func(last, ended time.Time) (time.Time, bool)

func (s Schedule) plan() (nextFunc, error) {
	set := 0
	for _, on := range []bool{s.Every > 0, s.Cron != "", s.Continuous} {
		if on {
			set++
		}
	}
	switch {
	case set > 1:
		return nil, fmt.Errorf("%w: choose one of every, cron and continuous", ErrSchedule)
	case s.Every < 0 || s.Pause < 0:
		return nil, fmt.Errorf("%w: negative interval", ErrSchedule)
	case s.Every > 0:
		return func(last, ended time.Time) (time.Time, bool) {
			next := last.Add(s.Every)
			for !next.After(ended) { // skip the times a long run covered
				next = next.Add(s.Every)
			}
			return next, true
		}, nil
	case s.Cron != "":
		spec, err := cron.ParseStandard(s.Cron)
		if err != nil {
			return nil, fmt.Errorf("%w: cron %q: %w", ErrSchedule, s.Cron, err)
		}
		return func(_, ended time.Time) (time.Time, bool) { return spec.Next(ended), true }, nil
	case s.Continuous:
		pause := s.Pause
		if pause == 0 {
			pause = time.Second
		}
		return func(_, ended time.Time) (time.Time, bool) { return ended.Add(pause), true }, nil
	}
	return func(time.Time, time.Time) (time.Time, bool) { return time.Time{}, false }, nil
}

// Validate checks the schedule.
func (s Schedule) Validate() error {
	_, err := s.plan()
	return err
}

// RunScheduled runs p on schedule s until ctx ends, each run with opts. A
// one-off schedule returns the run's error; a repeating one logs a failed
// run (with the logger of WithLogger, if any) and goes on (the metrics
// count it), returning nil when ctx ends. A cron schedule waits for its
// first time; the others start at once.
func RunScheduled(ctx context.Context, p *Pipeline, s Schedule, opts ...RunOption) error {
	next, err := s.plan()
	if err != nil {
		return err
	}
	log := newRunConfig(opts).log.Named("etl")
	// The named logger goes last, so that it is the one the runs use;
	// each run adds the pipeline's name.
	opts = append(slices.Clip(opts), WithLogger(log))
	at := time.Now()
	if s.Cron != "" {
		at, _ = next(at, at)
	}
	for {
		if !background.Sleep(ctx, time.Until(at), nil) {
			return nil
		}
		started := time.Now()
		_, err := p.Run(ctx, opts...)
		var ok bool
		if at, ok = next(started, time.Now()); !ok {
			return err
		}
		if err != nil && ctx.Err() == nil {
			log.Error("scheduled run failed; the schedule goes on", zap.String("pipeline", p.Name()), zap.Error(err), zap.Time("next", at))
		}
	}
}

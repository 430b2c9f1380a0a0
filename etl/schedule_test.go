package etl_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/internal/etltest"
	"github.com/articlekit/articlekit/etl/step"
)

// counting is a pipeline that counts its runs, failing those fail says,
// and cancels its context after stopAfter runs.
func counting(runs *atomic.Int64, fail func(n int64) bool, stopAfter int64, cancel context.CancelFunc) *etl.Pipeline {
	count := step.Compute{Fields: []step.Computed{{Name: "x", Value: step.Func{Fields: []string{"id"}, Fn: func(args []any) (any, error) {
		if args[0] != int64(1) {
			return nil, nil
		}
		n := runs.Add(1)
		if n == stopAfter && cancel != nil {
			cancel()
		}
		if fail != nil && fail(n) {
			return nil, errors.New("run failed")
		}
		return nil, nil
	}}}}}
	return etl.New("counting").Then("source", etltest.PeopleRows()).Then("count", count).Then("sink", &step.Collector{})
}

func TestSchedules(t *testing.T) {
	tests := []struct {
		name     string
		schedule etl.Schedule
		fail     func(int64) bool
	}{
		{"every", etl.Schedule{Every: 5 * time.Millisecond}, nil},
		{"continuous, past a failed run", etl.Schedule{Continuous: true, Pause: time.Millisecond}, func(n int64) bool { return n == 1 }},
		{"cron", etl.Schedule{Cron: "@every 1s"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var runs atomic.Int64
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stopAfter := int64(3)
			if tt.schedule.Cron != "" {
				stopAfter = 1
			}
			err := etl.RunScheduled(ctx, counting(&runs, tt.fail, stopAfter, cancel), tt.schedule, etl.WithLogger(zap.NewNop()))
			if err != nil || runs.Load() < stopAfter {
				t.Fatalf("RunScheduled = %v after %d runs, want nil after %d", err, runs.Load(), stopAfter)
			}
		})
	}
	t.Run("once returns the run's error", func(t *testing.T) {
		var runs atomic.Int64
		err := etl.RunScheduled(context.Background(), counting(&runs, func(int64) bool { return true }, 0, nil), etl.Schedule{})
		if err == nil || runs.Load() != 1 {
			t.Fatalf("err %v after %d runs", err, runs.Load())
		}
	})
}

func TestScheduleValidate(t *testing.T) {
	for _, s := range []etl.Schedule{
		{Every: time.Second, Cron: "* * * * *"},
		{Cron: "every now and then"},
		{Every: -time.Second},
		{Continuous: true, Every: time.Second},
	} {
		if err := s.Validate(); !errors.Is(err, etl.ErrSchedule) {
			t.Errorf("%+v: Validate = %v", s, err)
		}
	}
	if err := (etl.Schedule{Cron: "*/5 * * * *"}).Validate(); err != nil {
		t.Error(err)
	}
}

// The module runs contributed pipelines from start to stop.
func TestModule(t *testing.T) {
	var runs atomic.Int64
	app := fxtest.New(t,
		fx.Supply(zap.NewNop()),
		etl.Module,
		fx.Provide(etl.AsPipeline(func() etl.Scheduled {
			return etl.Scheduled{Pipeline: counting(&runs, nil, 0, nil), Schedule: etl.Schedule{Continuous: true, Pause: time.Millisecond}}
		})),
	)
	app.RequireStart()
	deadline := time.Now().Add(10 * time.Second)
	for runs.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	app.RequireStop()
	after := runs.Load()
	if after < 2 {
		t.Fatalf("%d runs while started", after)
	}
	time.Sleep(20 * time.Millisecond)
	if runs.Load() != after {
		t.Fatal("runs went on after stop")
	}
}

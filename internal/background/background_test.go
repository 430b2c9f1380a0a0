package background_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/articlekit/articlekit/internal/background"
)

func TestGroupStopsWhatItRuns(t *testing.T) {
	var g background.Group
	var running atomic.Int32
	for range 3 {
		g.Go(func(ctx context.Context) {
			running.Add(1)
			defer running.Add(-1)
			<-ctx.Done()
		})
	}
	for running.Load() != 3 {
		time.Sleep(time.Millisecond)
	}
	if err := g.Stop(context.Background()); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if n := running.Load(); n != 0 {
		t.Fatalf("%d goroutines still running after Stop", n)
	}
	ran := false
	g.Go(func(context.Context) { ran = true })
	if err := g.Stop(context.Background()); err != nil || ran {
		t.Fatalf("after Stop, Go ran %v (Stop = %v)", ran, err)
	}
}

func TestGroupStopGivesUpWithItsContext(t *testing.T) {
	var g background.Group
	release := make(chan struct{})
	defer close(release)
	g.Go(func(context.Context) { <-release }) // ignores its context
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.Stop(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Stop of a stuck goroutine = %v, want DeadlineExceeded", err)
	}
}

func TestStopWithoutGo(t *testing.T) {
	var g background.Group
	if err := g.Stop(context.Background()); err != nil {
		t.Fatalf("Stop of an empty group = %v", err)
	}
}

func TestSleep(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	woken := make(chan struct{}, 1)
	woken <- struct{}{}
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		wake <-chan struct{}
		want bool
	}{
		{"elapsed", context.Background(), time.Millisecond, nil, true},
		{"no wait", context.Background(), 0, nil, true},
		{"woken before the time", context.Background(), time.Hour, woken, true},
		{"context ended", cancelled, time.Hour, nil, false},
		{"context ended, no wait", cancelled, 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			if got := background.Sleep(tt.ctx, tt.d, tt.wake); got != tt.want {
				t.Fatalf("Sleep = %v, want %v", got, tt.want)
			}
			if time.Since(start) > time.Minute {
				t.Fatal("Sleep waited for its whole duration")
			}
		})
	}
}

func ExampleGroup() {
	var g background.Group
	ticks := make(chan struct{})
	g.Go(func(ctx context.Context) {
		for background.Sleep(ctx, time.Millisecond, nil) {
			select {
			case ticks <- struct{}{}:
			case <-ctx.Done():
			}
		}
	})
	<-ticks
	_ = g.Stop(context.Background()) // cancels the loop and waits for it
}

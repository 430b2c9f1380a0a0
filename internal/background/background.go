// Package background owns the goroutines that ArticleKit's packages run
// beside their callers — the outbox pruner, the relay and consumer loops,
// the ETL scheduler — and the waits those loops share. A Group starts
// goroutines with a context of its own and stops them all: fx modules start
// one in OnStart and stop it in OnStop.
//
//	var g background.Group
//	g.Go(func(ctx context.Context) { for background.Sleep(ctx, time.Second, nil) { … } })
//	defer g.Stop(context.Background())
package background

import (
	"context"
	"sync"
	"time"
)

// Group owns goroutines: each runs with a context that Stop cancels, and
// Stop returns once every one has returned. The zero value is ready to use.
type Group struct {
	mu      sync.Mutex
	ctx     context.Context
	cancel  context.CancelFunc
	stopped bool
	wg      sync.WaitGroup
}

// Go runs fn in a goroutine of the group. After Stop it runs nothing: a
// stopped component does not come back to life.
func (g *Group) Go(fn func(ctx context.Context)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return
	}
	if g.ctx == nil {
		g.ctx, g.cancel = context.WithCancel(context.Background())
	}
	ctx := g.ctx
	g.wg.Go(func() { fn(ctx) })
}

// Stop cancels the group's goroutines and waits for them to return, or for
// ctx to end, whichever comes first; then it returns ctx's error. Stopping
// a group that never ran anything returns at once.
func (g *Group) Stop(ctx context.Context) error {
	g.mu.Lock()
	g.stopped = true
	if g.cancel != nil {
		g.cancel()
	}
	g.mu.Unlock()
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sleep waits for d, a value from wake (nil: none) or the end of ctx, and
// reports whether ctx is still live: loops read `for Sleep(ctx, d, nil)`.
func Sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-wake:
	case <-t.C:
	}
	return ctx.Err() == nil
}

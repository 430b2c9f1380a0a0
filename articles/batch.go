package articles

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/uptrace/bun"
)

// errStoreClosed reports a write submitted after Close.
var errStoreClosed = fmt.Errorf("%w: store closed", ErrUnavailable)

// batcher is SQLite's group commit. SQLite has one writer at a time, and a
// commit costs more than the few inserts of a typical change, so under load
// one goroutine runs the waiting writes together: each in its own
// savepoint, so that one failing write rolls back alone, and all in one
// transaction with one commit. A write is acknowledged only after the
// commit that made it durable.
type batcher struct {
	db       *bun.DB
	maxBatch int
	queue    chan *writeRequest
	stop     chan struct{}
	wg       sync.WaitGroup

	// mu orders submissions before close: once closed is set, nothing
	// enters the queue, so the loop's final drain answers every writer.
	mu     sync.RWMutex
	closed bool
}

type writeRequest struct {
	ctx  context.Context
	fn   func(context.Context, bun.Tx) error
	done chan error
}

func newBatcher(db *bun.DB, maxBatch int) *batcher {
	b := &batcher{db: db, maxBatch: maxBatch, queue: make(chan *writeRequest, maxBatch), stop: make(chan struct{})}
	b.wg.Go(b.loop)
	return b
}

// write runs fn in a transaction shared with other waiting writes and
// returns fn's error, or the commit's.
func (b *batcher) write(ctx context.Context, fn func(context.Context, bun.Tx) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return errStoreClosed
	}
	select {
	case b.queue <- req:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, the write may already be committing: wait for its
	// outcome rather than abandoning it on cancellation.
	return <-req.done
}

func (b *batcher) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.stop)
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func (b *batcher) loop() {
	batch := make([]*writeRequest, 0, b.maxBatch)
	for {
		select {
		case <-b.stop:
			// Writers that queued before Close still get an answer.
			for {
				select {
				case req := <-b.queue:
					req.done <- errStoreClosed
				default:
					return
				}
			}
		case req := <-b.queue:
			batch = append(batch[:0], req)
		collect:
			for len(batch) < b.maxBatch {
				select {
				case req := <-b.queue:
					batch = append(batch, req)
				default:
					break collect
				}
			}
			b.run(batch)
		}
	}
}

// run executes one batch in one transaction.
func (b *batcher) run(batch []*writeRequest) {
	// The transaction outlives any single writer's context; each write's
	// statements still run under its own.
	tx, err := b.db.BeginTx(context.Background(), nil)
	if err != nil {
		for _, req := range batch {
			req.done <- err
		}
		return
	}
	errs := make([]error, len(batch))
	if len(batch) == 1 {
		errs[0] = b.attempt(tx, batch[0])
		if errs[0] != nil {
			_ = tx.Rollback()
			batch[0].done <- errs[0]
			return
		}
	} else {
		for i, req := range batch {
			errs[i] = b.inSavepoint(tx, req)
		}
	}
	commitErr := tx.Commit()
	for i, req := range batch {
		if errs[i] == nil {
			errs[i] = commitErr
		}
		req.done <- errs[i]
	}
}

// attempt runs one write unless its caller has already given up. Once it
// starts, it runs to the end whatever its context: SQLite answers an
// interrupted statement by rolling back the whole transaction, which
// would take the batch's other writes with it.
func (b *batcher) attempt(tx bun.Tx, req *writeRequest) error {
	if err := req.ctx.Err(); err != nil {
		return err
	}
	return req.fn(context.WithoutCancel(req.ctx), tx)
}

// inSavepoint runs one write of a batch so that its failure undoes only
// its own statements.
func (b *batcher) inSavepoint(tx bun.Tx, req *writeRequest) error {
	ctx := context.Background()
	if _, err := tx.ExecContext(ctx, "SAVEPOINT write"); err != nil {
		return err
	}
	err := b.attempt(tx, req)
	if err != nil {
		if _, rbErr := tx.ExecContext(ctx, "ROLLBACK TO write"); rbErr != nil {
			return errors.Join(err, rbErr)
		}
	}
	if _, relErr := tx.ExecContext(ctx, "RELEASE write"); relErr != nil {
		return errors.Join(err, relErr)
	}
	return err
}

package articles

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"go.uber.org/zap/zaptest"
)

// Writes that fail after writing must roll back alone, even when they
// share a transaction with writes that succeed.
func TestBatchedWritesFailIndependently(t *testing.T) {
	store, err := OpenStore(Config{DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "b.db")}, WithLogger(zaptest.NewLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if _, err := store.db.Write.ExecContext(ctx, "CREATE TABLE marks (n INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	errOdd := errors.New("odd writes fail after writing")
	const writes = 200
	var wg sync.WaitGroup
	results := make([]error, writes)
	for n := range writes {
		wg.Go(func() {
			results[n] = store.write(ctx, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO marks (n) VALUES (?)", n); err != nil {
					return err
				}
				if n%2 == 1 {
					return errOdd
				}
				return nil
			})
		})
	}
	wg.Wait()
	for n, err := range results {
		if want := n%2 == 1; errors.Is(err, errOdd) != want || (!want && err != nil) {
			t.Fatalf("write %d: %v", n, err)
		}
	}
	var stored []int
	if err := store.db.Read.NewSelect().Table("marks").Column("n").Order("n").Scan(ctx, &stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != writes/2 {
		t.Fatalf("%d rows stored, want %d (the even writes)", len(stored), writes/2)
	}
	for i, n := range stored {
		if n != 2*i {
			t.Fatalf("stored %v: want exactly the even numbers", stored)
		}
	}

	// After Close, writes fail cleanly.
	store.Close()
	if err := store.write(ctx, func(context.Context, bun.Tx) error { return nil }); !errors.Is(err, errStoreClosed) {
		t.Fatalf("write after Close = %v, want errStoreClosed", err)
	}
}

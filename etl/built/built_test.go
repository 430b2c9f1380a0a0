package built_test

import (
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/built"
	"github.com/articlekit/articlekit/etl/internal/etltest"
	"github.com/articlekit/articlekit/etl/step"
)

// Steps naming one connection share it; Close closes it.
func TestConnection(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "data.db")
	b := built.New("x")
	db, err := b.Connection("data", url)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := b.Connection("data", url); err != nil || again != db {
		t.Fatalf("a second Connection(%q) = %p, %v; want the first, %p", "data", again, err, db)
	}
	if _, err := b.Connection("bad", "nosuch://x"); err == nil {
		t.Fatal("a bad URL opened")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Read.DB.Ping(); err == nil {
		t.Fatal("the connection is open after Close")
	}
}

// A contributed pipeline runs under etl.Module, and its connections close
// when the application stops, not before.
func TestAsPipeline(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "data.db")
	var b *built.Pipeline
	out := &step.Collector{}
	app := fxtest.New(t, fx.Supply(zap.NewNop()), etl.Module, fx.Provide(built.AsPipeline(func() (*built.Pipeline, error) {
		b = built.New("once")
		if _, err := b.Connection("data", url); err != nil {
			return nil, err
		}
		b.Pipeline.Then("source", etltest.PeopleRows()).Then("sink", out)
		return b, nil
	})))
	app.RequireStart()
	for deadline := time.Now().Add(10 * time.Second); len(out.Rows()) < 4; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d rows while started", len(out.Rows()))
		}
	}
	db, _ := b.Connection("data", url)
	if err := db.Read.DB.Ping(); err != nil {
		t.Fatalf("the connection is closed while the app runs: %v", err)
	}
	app.RequireStop()
	if err := db.Read.DB.Ping(); err == nil {
		t.Fatal("the connection is open after the app stopped")
	}
}

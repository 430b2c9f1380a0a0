package etl_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/internal/etltest"
	"github.com/articlekit/articlekit/etl/step"
)

func TestMetricsLastRuns(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := etl.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	if runs := m.LastRuns(); len(runs) != 0 {
		t.Fatalf("LastRuns before any run = %+v", runs)
	}
	ctx := context.Background()
	kept := &step.Collector{}
	good := etl.New("good").Add("source", etltest.PeopleRows()).Add("kept", kept).
		Connect(etl.Hop{From: "source", To: "kept"})
	if _, err := good.Run(ctx, etl.WithMetrics(m)); err != nil {
		t.Fatal(err)
	}
	refused := etl.New("refused").Add("a", etltest.PeopleRows()).Add("a", step.Pass{})
	if _, err := refused.Run(ctx, etl.WithMetrics(m)); err == nil {
		t.Fatal("a pipeline with two steps named alike ran")
	}

	runs := m.LastRuns()
	if len(runs) != 2 || runs[0].Pipeline != "good" || runs[1].Pipeline != "refused" {
		t.Fatalf("LastRuns = %+v, want good and refused, by name", runs)
	}
	if g := runs[0]; g.Failed || g.Started.IsZero() || g.Duration <= 0 || len(g.Steps) != 2 || g.Steps[0].Written != int64(len(kept.Rows())) {
		t.Errorf("good's last run = %+v, want a success with its steps' counts", g)
	}
	if r := runs[1]; !r.Failed || len(r.Steps) != 0 {
		t.Errorf("refused's last run = %+v, want a failure without steps", r)
	}
}

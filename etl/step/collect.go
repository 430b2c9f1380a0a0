package step

import (
	"context"
	"slices"
	"sync"

	"github.com/articlekit/articlekit/etl"
)

// Collector is a sink that keeps every row it receives in memory: for
// tests, examples and small lookups. Use a *Collector.
type Collector struct {
	mu     sync.Mutex
	schema *etl.Schema
	rows   []etl.Row
}

// Plan accepts any input.
func (c *Collector) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	s, err := planMain(in)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.schema = s
	c.mu.Unlock()
	return etl.Schemas{}, nil
}

// Run keeps the rows.
func (c *Collector) Run(ctx context.Context, in etl.Inputs, _ etl.Outputs) error {
	return in[etl.Main].Each(ctx, func(r etl.Row) error {
		c.mu.Lock()
		c.rows = append(c.rows, r)
		c.mu.Unlock()
		return nil
	})
}

// Concurrent marks Collector as safe to run in copies.
func (*Collector) Concurrent() {}

// Rows returns the rows received so far.
func (c *Collector) Rows() []etl.Row {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.rows)
}

// Schema returns the schema of the rows received.
func (c *Collector) Schema() *etl.Schema {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.schema
}

// Reset forgets the rows.
func (c *Collector) Reset() {
	c.mu.Lock()
	c.rows = nil
	c.mu.Unlock()
}

package etl

import (
	"context"
	"slices"
	"sync"
)

// Collector is a sink that keeps every row it receives in memory: for
// tests, examples and small lookups. Use a *Collector.
type Collector struct {
	mu     sync.Mutex
	schema *Schema
	rows   []Row
}

// Plan accepts any input.
func (c *Collector) Plan(_ context.Context, in Schemas) (Schemas, error) {
	s, err := planMain(in)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.schema = s
	c.mu.Unlock()
	return Schemas{}, nil
}

// Run keeps the rows.
func (c *Collector) Run(ctx context.Context, in Inputs, _ Outputs) error {
	return in[Main].Each(ctx, func(r Row) error {
		c.mu.Lock()
		c.rows = append(c.rows, r)
		c.mu.Unlock()
		return nil
	})
}

// Concurrent marks Collector as safe to run in copies.
func (*Collector) Concurrent() {}

// Rows returns the rows received so far.
func (c *Collector) Rows() []Row {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.rows)
}

// Schema returns the schema of the rows received.
func (c *Collector) Schema() *Schema {
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

package articles

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config configures the article store. The zero value is valid: every
// field has a documented default.
type Config struct {
	// DatabaseURL names the database: sqlite://articles.db (default),
	// sqlite://:memory:, postgres://… or mysql://… (see package sqldb).
	DatabaseURL string `env:"DATABASE_URL"`
	// MaxOpenConns caps the connection pool. Default: 4 × GOMAXPROCS, at least 8.
	MaxOpenConns int `env:"DATABASE_MAX_OPEN_CONNS"`
	// OutboxRetention is how long published outbox events are kept before
	// the pruner deletes them. Default: 168h (7 days). Negative: never prune.
	OutboxRetention time.Duration `env:"OUTBOX_RETENTION"`
	// OutboxPruneInterval is how often the pruner runs. Default: 10m.
	OutboxPruneInterval time.Duration `env:"OUTBOX_PRUNE_INTERVAL"`
	// IdempotencyKeyTTL is how long an idempotency key is remembered
	// (Service.CreateOnce): a retry within it replays the first answer.
	// Default: 24h.
	IdempotencyKeyTTL time.Duration `env:"IDEMPOTENCY_KEY_TTL"`
}

// Defaults.
const (
	DefaultDatabaseURL         = "sqlite://articles.db"
	DefaultOutboxRetention     = 7 * 24 * time.Hour
	DefaultOutboxPruneInterval = 10 * time.Minute
	DefaultIdempotencyKeyTTL   = 24 * time.Hour
)

// WithDefaults returns c with every unset field set to its default.
func (c Config) WithDefaults() Config {
	if c.DatabaseURL == "" {
		c.DatabaseURL = DefaultDatabaseURL
	}
	if c.OutboxRetention == 0 {
		c.OutboxRetention = DefaultOutboxRetention
	}
	if c.OutboxPruneInterval == 0 {
		c.OutboxPruneInterval = DefaultOutboxPruneInterval
	}
	if c.IdempotencyKeyTTL == 0 {
		c.IdempotencyKeyTTL = DefaultIdempotencyKeyTTL
	}
	return c
}

// Validate reports every invalid field.
func (c Config) Validate() error {
	var errs []error
	if c.DatabaseURL != "" && !strings.Contains(c.DatabaseURL, "://") {
		errs = append(errs, fmt.Errorf("DatabaseURL %q: want sqlite://, postgres:// or mysql://", c.DatabaseURL))
	}
	if c.MaxOpenConns < 0 {
		errs = append(errs, fmt.Errorf("MaxOpenConns %d: must not be negative", c.MaxOpenConns))
	}
	if c.OutboxPruneInterval < 0 {
		errs = append(errs, fmt.Errorf("OutboxPruneInterval %s: must not be negative", c.OutboxPruneInterval))
	}
	if c.IdempotencyKeyTTL < 0 {
		errs = append(errs, fmt.Errorf("IdempotencyKeyTTL %s: must not be negative", c.IdempotencyKeyTTL))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("articles: invalid config: %w", err)
	}
	return nil
}

package restapi

import (
	"errors"
	"fmt"
	"time"

	"github.com/articlekit/articlekit/internal/httpserver"
)

// Config configures the REST server. The zero value is valid.
type Config struct {
	// Addr is the listen address. Default: ":5000".
	Addr string `env:"REST_ADDR"`
	// MaxBodyBytes caps request bodies; larger ones get 413. Default: 1 MiB.
	MaxBodyBytes int64 `env:"REST_MAX_BODY_BYTES"`
	// ReadTimeout bounds reading a request. Default: 30s.
	ReadTimeout time.Duration `env:"REST_READ_TIMEOUT"`
	// WriteTimeout bounds writing a response. Default: 30s.
	WriteTimeout time.Duration `env:"REST_WRITE_TIMEOUT"`
	// DrainPeriod is how long, at most, a stopping server goes on answering
	// — /ready with 503, every answer closing its connection — before it
	// closes its listener, so that keep-alive clients and load balancers
	// leave on an answer. Default: 1s; negative: none.
	DrainPeriod time.Duration `env:"REST_DRAIN_PERIOD"`
	// Replication accepts replicated changes (see WithReplication).
	// Default: false.
	Replication bool `env:"REST_REPLICATION"`
}

// Defaults.
const (
	DefaultAddr         = ":5000"
	DefaultMaxBodyBytes = 1 << 20
)

// WithDefaults returns c with every unset field set to its default.
func (c Config) WithDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return c
}

// Validate reports every invalid field.
func (c Config) Validate() error {
	var errs []error
	if c.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("MaxBodyBytes %d: must not be negative", c.MaxBodyBytes))
	}
	if c.ReadTimeout < 0 || c.WriteTimeout < 0 {
		errs = append(errs, errors.New("timeouts must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("restapi: invalid config: %w", err)
	}
	return nil
}

func (c Config) server() httpserver.Config {
	return httpserver.Config{Addr: c.Addr, ReadTimeout: c.ReadTimeout, WriteTimeout: c.WriteTimeout, DrainPeriod: c.DrainPeriod}
}

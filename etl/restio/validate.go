package restio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/sync/errgroup"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/etl"
)

// Validator checks an article draft: the REST client's Validate.
type Validator interface {
	Validate(ctx context.Context, d articles.Draft) error
}

// ReasonField is the field a rejected row's reason is in.
const ReasonField = "reject_reason"

// ErrTooManyRejects fails a run whose rejects cross the threshold.
var ErrTooManyRejects = errors.New("too many rows rejected")

// ErrUnavailable fails a run when the validation service stays down: the
// circuit breaker opened, or a row's retries ran out.
var ErrUnavailable = errors.New("validation service unavailable")

// Validate checks every row's article with the REST API (POST
// /articles/validate) before it goes on. Rows the API refuses leave on the
// etl.Reject port with the reason in ReasonField (every invalid field),
// without stopping the run until MaxRejects is crossed. Calls run
// Concurrency at a time and keep the rows' order; a call that fails for
// want of the service is retried with back-off, and a circuit breaker stops
// calling a service that keeps failing: the run then fails.
type Validate struct {
	Client Validator
	Fields Fields
	// Concurrency is how many calls run at once. Default: 8.
	Concurrency int
	// MaxRejects fails the run once more rows than this are rejected; 0
	// never does.
	MaxRejects int64
	// Retry bounds the retries of one row. Default: 30s.
	Retry time.Duration
	// Breaker tunes the circuit breaker (gobreaker); by default it opens
	// after 5 consecutive failures and tries again after 10s.
	Breaker gobreaker.Settings
}

// Plan checks the input has a title and adds the reject port.
func (v *Validate) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	main, ok := in[etl.Main]
	if !ok {
		return nil, errors.New("validate: no input")
	}
	if v.Client == nil {
		return nil, errors.New("validate: no client")
	}
	if _, err := bind(main, v.Fields); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	rejects, err := main.Append(etl.Field{Name: ReasonField, Type: etl.String})
	if err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: main, etl.Reject: rejects}, nil
}

// Run validates the rows, a batch at a time.
func (v *Validate) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	b, err := bind(in[etl.Main].Schema, v.Fields)
	if err != nil {
		return err
	}
	settings := v.Breaker
	if settings.Name == "" {
		settings.Name = "validate"
	}
	if settings.Timeout == 0 {
		settings.Timeout = 10 * time.Second
	}
	breaker := gobreaker.NewCircuitBreaker[struct{}](settings)
	concurrency := v.Concurrency
	if concurrency <= 0 {
		concurrency = 8
	}
	maxRetry := v.Retry
	if maxRetry <= 0 {
		maxRetry = 30 * time.Second
	}
	var rejected atomic.Int64
	ok, bad := out.Port(etl.Main), out.Port(etl.Reject)
	return in[etl.Main].Batches(ctx, func(rows []etl.Row) error {
		reasons := make([]string, len(rows))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(concurrency)
		for i, r := range rows {
			g.Go(func() error {
				reason, err := v.check(gctx, breaker, maxRetry, b, r)
				reasons[i] = reason
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		for i, r := range rows {
			if reasons[i] == "" {
				if err := ok.Emit(ctx, r); err != nil {
					return err
				}
				continue
			}
			if n := rejected.Add(1); v.MaxRejects > 0 && n > v.MaxRejects {
				return fmt.Errorf("%w: more than %d (the last: %s)", ErrTooManyRejects, v.MaxRejects, reasons[i])
			}
			if err := bad.Emit(ctx, append(append(make(etl.Row, 0, len(r)+1), r...), reasons[i])); err != nil {
				return err
			}
		}
		return out.Flush(ctx)
	})
}

// check validates one row: the reason it is refused, or "" when valid.
func (v *Validate) check(ctx context.Context, breaker *gobreaker.CircuitBreaker[struct{}], maxRetry time.Duration, b binding, r etl.Row) (string, error) {
	d, err := b.draft(r)
	if err != nil {
		return err.Error(), nil
	}
	var invalid *articles.ValidationError
	_, err = backoff.Retry(ctx, func() (struct{}, error) {
		_, err := breaker.Execute(func() (struct{}, error) {
			err := v.Client.Validate(ctx, d)
			if errors.As(err, &invalid) {
				return struct{}{}, nil // an answer: the service works
			}
			return struct{}{}, err
		})
		switch {
		case err == nil:
			return struct{}{}, nil
		case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
			return struct{}{}, backoff.Permanent(fmt.Errorf("%w: circuit breaker open: %w", ErrUnavailable, err))
		case errors.Is(err, articles.ErrUnavailable):
			return struct{}{}, err
		}
		return struct{}{}, backoff.Permanent(err)
	}, backoff.WithMaxElapsedTime(maxRetry))
	if err != nil {
		if errors.Is(err, articles.ErrUnavailable) && !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return "", err
	}
	if invalid != nil {
		return reason(invalid), nil
	}
	return "", nil
}

// reason describes every invalid field.
func reason(e *articles.ValidationError) string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

package sqlio

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/articlekit/articlekit/etl"
)

// copyRows loads the input with PostgreSQL's COPY, CommitSize rows per
// transaction, streaming: rows go to the server as they arrive.
func (t *Table) copyRows(ctx context.Context, p *tablePlan, in *etl.Input, out *etl.Output) error {
	size := t.CommitSize
	if size <= 0 {
		size = 100_000
	}
	ident := pgx.Identifier(strings.Split(t.Name, "."))
	cols := make([]string, len(p.cols))
	for i, c := range p.cols {
		cols[i] = c.Name
	}
	conn, err := t.DB.Write.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("table %s: %w", t.Name, err)
	}
	defer conn.Close()
	src := &copySource{ctx: ctx, in: in, idx: p.colIdx, limit: size, keep: out.Connected()}
	truncate := t.Truncate
	for !src.ended {
		src.n, src.kept = 0, src.kept[:0]
		err := conn.Raw(func(driverConn any) error {
			pg := driverConn.(*stdlib.Conn).Conn()
			tx, err := pg.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx) //nolint:errcheck // after Commit it does nothing
			if truncate {
				if _, err := tx.Exec(ctx, "DELETE FROM "+quote(t.DB.Dialect, t.Name)); err != nil {
					return err
				}
			}
			if _, err := tx.CopyFrom(ctx, ident, cols, src); err != nil {
				return err
			}
			if src.err != nil {
				return src.err
			}
			if cp := t.Checkpoint; cp != nil && src.last != nil {
				query, args, err := cp.saveStatement(src.last, p.markIdx)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, query, args...); err != nil {
					return err
				}
			}
			return tx.Commit(ctx)
		})
		if err != nil {
			return fmt.Errorf("table %s: copy: %w", t.Name, err)
		}
		truncate = false
		// Rows go on only once they are committed.
		out.Count(src.n)
		for _, r := range src.kept {
			if err := out.Emit(ctx, r); err != nil {
				return err
			}
		}
		if err := out.Flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// copySource feeds COPY from a step's input, up to limit rows, keeping
// them to pass on after the commit when keep is set.
type copySource struct {
	ctx   context.Context
	in    *etl.Input
	idx   []int
	limit int
	keep  bool
	kept  []etl.Row

	batch []etl.Row
	pos   int
	n     int
	row   []any
	last  etl.Row
	ended bool
	err   error
}

func (s *copySource) Next() bool {
	if s.n >= s.limit {
		return false
	}
	for s.pos >= len(s.batch) {
		rows, err := s.in.Next(s.ctx)
		if err == io.EOF {
			s.ended = true
			return false
		}
		if err != nil {
			s.err, s.ended = err, true
			return false
		}
		s.batch, s.pos = rows, 0
	}
	r := s.batch[s.pos]
	s.pos++
	s.n++
	if s.row == nil {
		s.row = make([]any, len(s.idx))
	}
	for i, j := range s.idx {
		s.row[i] = r[j]
	}
	s.last = r
	if s.keep {
		s.kept = append(s.kept, r)
	}
	return true
}

func (s *copySource) Values() ([]any, error) { return s.row, nil }

func (s *copySource) Err() error { return s.err }

package restio

import (
	"context"
	"errors"
	"fmt"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/step"
)

// Replicator applies versioned changes and deletes: the REST client's
// Replicate and Delete.
type Replicator interface {
	Replicate(ctx context.Context, ch articles.Change) (articles.ApplyResult, error)
	Delete(ctx context.Context, id int64, expectedVersion int64) error
}

// Writer is a sink that writes rows to the REST API as replicated changes
// (PUT or DELETE /articles/{id} with Article-Version), so the target keeps
// the source's ids, versions and timestamps and ignores what it already
// has: rerunning a load is harmless. Rows need id and version fields; with
// Flag set (a step.Diff's output), rows flagged step.FlagDeleted are
// deleted (unconditionally when they carry no version) and those flagged
// step.FlagIdentical skipped. The target must accept replicated changes
// (REST_REPLICATION=true).
type Writer struct {
	Client Replicator
	Fields Fields
	Flag   string
}

// Plan checks the row has the fields an article needs.
func (w *Writer) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	main, ok := in[etl.Main]
	if !ok {
		return nil, errors.New("writer: no input")
	}
	if w.Client == nil {
		return nil, errors.New("writer: no client")
	}
	b, err := bind(main, w.Fields)
	if err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	if b.id < 0 || b.version < 0 {
		return nil, errors.New("writer: rows need id and version fields")
	}
	if _, ok := main.Index(w.Flag); w.Flag != "" && !ok {
		return nil, fmt.Errorf("writer: no flag field %q", w.Flag)
	}
	return etl.Schemas{etl.Main: main}, nil
}

// Run sends the changes, passing on the rows written.
func (w *Writer) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	b, err := bind(in[etl.Main].Schema, w.Fields)
	if err != nil {
		return err
	}
	flag, hasFlag := in[etl.Main].Schema.Index(w.Flag)
	hasFlag = hasFlag && w.Flag != ""
	o := out.Port(etl.Main)
	return etl.EachRow(ctx, in, out, func(r etl.Row) error {
		ch := articles.Change{Type: articles.Updated}
		if hasFlag {
			switch r[flag] {
			case step.FlagIdentical:
				return nil
			case step.FlagDeleted:
				ch.Type = articles.Deleted
			}
		}
		a, err := b.article(r)
		if err != nil {
			return err
		}
		ch.Article = a
		if ch.Type == articles.Deleted && a.Version == 0 {
			// A Diff's deleted row carries only its key.
			if err := w.Client.Delete(ctx, a.ID, 0); err != nil && !errors.Is(err, articles.ErrNotFound) {
				return fmt.Errorf("article %d: %w", a.ID, err)
			}
			return o.Emit(ctx, r)
		}
		if _, err := w.Client.Replicate(ctx, ch); err != nil {
			return fmt.Errorf("article %d: %w", a.ID, err)
		}
		return o.Emit(ctx, r)
	})
}

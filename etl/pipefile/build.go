package pipefile

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/built"
	"github.com/articlekit/articlekit/etl/fileio"
	"github.com/articlekit/articlekit/etl/restio"
	"github.com/articlekit/articlekit/etl/sqlio"
	"github.com/articlekit/articlekit/etl/step"
	"github.com/articlekit/articlekit/restapi/client"
)

// Build opens the connections the steps use and builds the pipeline. With
// dryRun, the steps that write (table, rest_writer, file_output) pass their
// rows on without writing them: a diff then reports what a run would
// change. The built pipeline's Diffs are its diff steps, its Schedule the
// file's.
func (f *File) Build(dryRun bool) (*built.Pipeline, error) {
	schedule, err := f.Scheduled()
	if err != nil {
		return nil, err
	}
	b := built.New(f.Name)
	b.Schedule = schedule
	var rest *client.Client
	for i, s := range f.Steps {
		st, err := f.step(b, s, &rest)
		if dryRun && (s.Type == "table" || s.Type == "rest_writer" || s.Type == "file_output") {
			st = step.Pass{}
		}
		if err != nil {
			_ = b.Close()
			return nil, fmt.Errorf("pipefile: step %d (%q): %w", i+1, s.Name, err)
		}
		var opts []etl.StepOption
		if s.Copies > 1 {
			opts = append(opts, etl.Copies(s.Copies))
		}
		if len(f.Hops) == 0 {
			b.Pipeline.Then(s.Name, st, opts...)
		} else {
			b.Pipeline.Add(s.Name, st, opts...)
		}
	}
	for _, h := range f.Hops {
		b.Pipeline.Connect(etl.Hop{From: h.From, FromPort: h.Port, To: h.To, ToPort: h.ToPort})
	}
	return b, nil
}

func (f *File) db(b *built.Pipeline, name string) (*sqldb.DB, error) {
	url, ok := f.Connections[name]
	if !ok {
		return nil, fmt.Errorf("no connection %q", name)
	}
	return b.Connection(name, url)
}

func (f *File) client(rest **client.Client) (*client.Client, error) {
	if *rest != nil {
		return *rest, nil
	}
	if f.REST == "" {
		return nil, errors.New("the file names no REST API (rest: http://…)")
	}
	c, err := client.New(f.REST)
	*rest = c
	return c, err
}

func (f *File) step(b *built.Pipeline, s Step, rest **client.Client) (etl.Step, error) {
	switch s.Type {
	case "query":
		db, err := f.db(b, s.Connection)
		if err != nil {
			return nil, err
		}
		q := &sqlio.Query{DB: db, SQL: s.SQL, Table: s.Table}
		if len(s.Incremental) > 0 {
			q.Checkpoint, err = f.checkpoint(b, s)
		}
		return q, err
	case "table":
		return f.table(b, s)
	case "articles", "validate", "rest_writer":
		c, err := f.client(rest)
		if err != nil {
			return nil, err
		}
		switch s.Type {
		case "articles":
			return &restio.Articles{Client: c, Query: articles.ListQuery{Author: s.Author, Tag: s.Tag}}, nil
		case "validate":
			return &restio.Validate{Client: c, MaxRejects: s.MaxRejects, Concurrency: s.Concurrency}, nil
		}
		return &restio.Writer{Client: c, Flag: s.Flag}, nil
	case "filter":
		return step.Filter{Where: step.Expr(s.Where)}, nil
	case "compute":
		fields := make([]step.Computed, len(s.Fields))
		for i, fs := range s.Fields {
			t, err := fieldType(fs.Type)
			if err != nil {
				return nil, err
			}
			fields[i] = step.Computed{Name: fs.Name, Type: t, Value: step.Expr(fs.Expr), Layout: fs.Layout}
		}
		return step.Compute{Fields: fields, Remove: s.Remove}, nil
	case "constants":
		var c step.Constants
		for _, fs := range s.Fields {
			t, err := fieldType(fs.Type)
			if err != nil {
				return nil, err
			}
			v, err := etl.Convert(fs.Value, t, fs.Layout)
			if err != nil {
				return nil, fmt.Errorf("constant %q: %w", fs.Name, err)
			}
			c = append(c, step.Constant{Name: fs.Name, Type: t, Value: v})
		}
		return c, nil
	case "select":
		sel := step.Select{Unspecified: s.Unspecified, Remove: s.Remove}
		for _, r := range s.Select {
			sel.Fields = append(sel.Fields, step.Pick{Name: r.Name, Rename: r.As})
		}
		for _, fs := range s.Retype {
			t, err := fieldType(fs.Type)
			if err != nil {
				return nil, err
			}
			sel.Retype = append(sel.Retype, step.Retype{Name: fs.Name, Rename: fs.Rename, Type: t, Layout: fs.Layout})
		}
		return sel, nil
	case "map_values":
		return step.MapValues{Field: s.Field, Target: s.Target, Mapping: s.Mapping, Default: s.Default}, nil
	case "sort":
		var keys []step.SortKey
		for _, k := range s.By {
			desc := len(k) > 0 && k[0] == '-'
			if desc {
				k = k[1:]
			}
			keys = append(keys, step.SortKey{Field: k, Descending: desc})
		}
		return step.Sort{Keys: keys, Unique: s.Unique}, nil
	case "unique":
		return step.Unique{Fields: s.By}, nil
	case "lookup":
		l := step.Lookup{}
		for _, k := range s.Lookup {
			l.Keys = append(l.Keys, step.LookupKey{Field: k.Name, LookupField: cmp.Or(k.As, k.Name)})
		}
		for _, v := range s.Values {
			l.Values = append(l.Values, step.LookupValue{LookupField: v.Name, Rename: v.As})
		}
		return l, nil
	case "diff":
		d := &step.Diff{Keys: s.Keys, Flag: s.Flag}
		b.Diffs[s.Name] = d
		return d, nil
	case "pass":
		return step.Pass{}, nil
	case "file_input", "file_output":
		format, err := fileFormat(s.Format)
		if err != nil {
			return nil, err
		}
		if s.Type == "file_input" {
			src := &fileio.Source{Path: s.Path, Format: format}
			for _, fs := range s.Fields {
				t, err := fieldType(fs.Type)
				if err != nil {
					return nil, err
				}
				src.Fields = append(src.Fields, etl.Field{Name: fs.Name, Type: t})
			}
			return src, nil
		}
		return &fileio.Sink{Path: s.Path, Format: format, JSON: s.JSON}, nil
	}
	return nil, fmt.Errorf("unknown step type %q", s.Type)
}

func (f *File) table(b *built.Pipeline, s Step) (etl.Step, error) {
	db, err := f.db(b, s.Connection)
	if err != nil {
		return nil, err
	}
	mode := sqlio.Insert
	if s.Mode != "" {
		if mode, err = sqlio.ParseMode(s.Mode); err != nil {
			return nil, err
		}
	}
	t := &sqlio.Table{DB: db, Name: s.Table, Mode: mode, Version: s.Version, Truncate: s.Truncate, Copy: s.Copy,
		CommitSize: s.CommitSize, Flag: s.Flag}
	for _, k := range s.Keys {
		t.Keys = append(t.Keys, sqlio.Key{Column: k})
	}
	for _, c := range s.Columns {
		t.Columns = append(t.Columns, sqlio.Column{Name: c})
	}
	if len(s.Incremental) > 0 {
		t.Checkpoint = f.checkpointOn(db, s)
	}
	return t, err
}

// checkpoint finds the checkpoint of an incremental query, which the
// table step it names (checkpoint: STEP) keeps, or the only table step with
// the same incremental fields.
func (f *File) checkpoint(b *built.Pipeline, query Step) (*sqlio.Checkpoint, error) {
	var found []Step
	for _, s := range f.Steps {
		if s.Type == "table" && slices.Equal(s.Incremental, query.Incremental) && (query.Checkpoint == "" || s.Name == query.Checkpoint) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return nil, errors.New("an incremental query needs a table step with the same incremental fields, which keeps the checkpoint")
	case 1:
		db, err := f.db(b, found[0].Connection)
		if err != nil {
			return nil, err
		}
		return f.checkpointOn(db, found[0]), nil
	}
	return nil, errors.New("several table steps have these incremental fields: name the one that keeps the checkpoint (checkpoint: STEP)")
}

// checkpointOn is the checkpoint a table step keeps, named after the
// pipeline and the step so that each table has its own.
func (f *File) checkpointOn(db *sqldb.DB, table Step) *sqlio.Checkpoint {
	return &sqlio.Checkpoint{DB: db, Name: f.Name + "/" + table.Name, Fields: table.Incremental}
}

func fileFormat(name string) (fileio.Format, error) {
	switch strings.ToLower(name) {
	case "csv", "":
		return fileio.CSV, nil
	case "jsonl", "json lines", "ndjson":
		return fileio.JSONL, nil
	}
	return 0, fmt.Errorf("unknown file format %q (want csv or jsonl)", name)
}

// Scheduled returns the file's schedule.
func (f *File) Scheduled() (etl.Schedule, error) {
	s := etl.Schedule{Cron: f.Schedule.Cron, Continuous: f.Schedule.Continuous}
	for _, d := range []struct {
		text string
		dst  *time.Duration
	}{{f.Schedule.Every, &s.Every}, {f.Schedule.Pause, &s.Pause}} {
		if d.text == "" {
			continue
		}
		v, err := time.ParseDuration(d.text)
		if err != nil {
			return s, fmt.Errorf("pipefile: schedule: %w", err)
		}
		*d.dst = v
	}
	return s, s.Validate()
}

func fieldType(name string) (etl.Type, error) {
	if name == "" {
		return etl.Any, nil
	}
	return etl.ParseType(name)
}

package fileio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/articlekit/articlekit/etl"
	"github.com/google/renameio/v2"
)

// Format is a file format.
type Format int

// The formats.
const (
	CSV   Format = iota // RFC 4180, a header line naming the fields
	JSONL               // one JSON object per line
)

// maxLine bounds a JSON line or CSV record.
const maxLine = 16 << 20

// Source reads rows from a file. A CSV file's header names the fields; a
// JSON Lines file's fields are those of its first object, in key order.
// Fields, when given, set the fields' types (text is converted) and, for
// JSON Lines, which keys are read.
type Source struct {
	Path   string
	Format Format
	Fields []etl.Field
	// Layout parses times (RFC 3339 or SQL text when empty).
	Layout string
}

// Plan reads the header (or first object) to learn the fields.
func (s *Source) Plan(context.Context, etl.Schemas) (etl.Schemas, error) {
	schema, err := s.schema()
	if err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: schema}, nil
}

func (s *Source) schema() (*etl.Schema, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	switch s.Format {
	case CSV:
		names, err = csv.NewReader(f).Read()
		if err != nil {
			return nil, fmt.Errorf("%s: header: %w", s.Path, err)
		}
	case JSONL:
		if len(s.Fields) > 0 {
			return etl.NewSchema(s.Fields...)
		}
		dec := json.NewDecoder(bufio.NewReader(f))
		names, err = objectKeys(dec)
		if err != nil {
			return nil, fmt.Errorf("%s: first line: %w", s.Path, err)
		}
	}
	declared := map[string]etl.Type{}
	for _, f := range s.Fields {
		declared[f.Name] = f.Type
	}
	fields := make([]etl.Field, len(names))
	for i, n := range names {
		t, ok := declared[n]
		if !ok {
			t = etl.String
			if s.Format == JSONL {
				t = etl.Any
			}
		}
		fields[i] = etl.Field{Name: n, Type: t}
	}
	return etl.NewSchema(fields...)
}

// objectKeys reads the keys of the first JSON object, in order.
func objectKeys(dec *json.Decoder) ([]string, error) {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// Run streams the file's rows.
func (s *Source) Run(ctx context.Context, _ etl.Inputs, out etl.Outputs) error {
	schema, err := s.schema()
	if err != nil {
		return err
	}
	f, err := os.Open(s.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	o := out.Port(etl.Main)
	line := 0
	emit := func(values func(i int, field etl.Field) (any, error)) error {
		line++
		row := make(etl.Row, schema.Len())
		for i := range row {
			f := schema.Field(i)
			v, err := values(i, f)
			if err == nil {
				v, err = etl.Convert(v, f.Type, s.Layout)
			}
			if err != nil {
				return fmt.Errorf("%s: line %d: field %q: %w", s.Path, line, f.Name, err)
			}
			row[i] = v
		}
		return o.Emit(ctx, row)
	}
	if s.Format == CSV {
		limit := &recordLimit{r: f}
		r := csv.NewReader(limit)
		r.FieldsPerRecord = schema.Len()
		r.ReuseRecord = true
		if _, err := r.Read(); err != nil { // the header
			return err
		}
		line++
		for {
			limit.n = 0
			rec, err := r.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", s.Path, err)
			}
			cell := func(i int, f etl.Field) (any, error) {
				if rec[i] == "" && f.Type != etl.String && f.Type != etl.Any {
					return nil, nil // an empty cell of a typed field is null
				}
				return rec[i], nil
			}
			if err := emit(cell); err != nil {
				return err
			}
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, maxLine)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			line++
			continue
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return fmt.Errorf("%s: line %d: %w", s.Path, line+1, err)
		}
		if err := emit(func(_ int, f etl.Field) (any, error) { return jsonValue(obj[f.Name]) }); err != nil {
			return err
		}
	}
	return sc.Err()
}

// recordLimit bounds what one CSV record may read, which encoding/csv does
// not: a stray quote would otherwise read the whole file into memory.
type recordLimit struct {
	r io.Reader
	n int
}

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.n > maxLine {
		return 0, fmt.Errorf("a record larger than %d bytes (an unclosed quote?)", maxLine)
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}

// jsonValue turns a decoded JSON value into a row value: numbers become
// integers when they are whole, nested values stay JSON text.
func jsonValue(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		return x.Float64()
	case map[string]any, []any:
		b, err := json.Marshal(x)
		return string(b), err
	}
	return v, nil
}

// Sink writes rows to a file, replacing it when the run succeeds. CSV files
// start with a header; times are written by Layout (RFC 3339 when empty),
// binary values as base64. A new file gets the mode a program's files
// usually have (0666 less the umask), a replaced one keeps its own. As
// Kettle's text file output does, the sink passes its rows on once they
// are written, so its Written count is the file's rows.
type Sink struct {
	Path   string
	Format Format
	Layout string
	// JSON names text fields that hold JSON (an article's tags, a nested
	// value a JSON Lines source read), written into JSON Lines as the
	// values they encode rather than as strings. A value that is not JSON
	// fails the run.
	JSON []string
}

// Plan accepts any input and passes it on.
func (s *Sink) Plan(_ context.Context, in etl.Schemas) (etl.Schemas, error) {
	if _, ok := in[etl.Main]; !ok {
		return nil, errors.New("file sink: no input")
	}
	if s.Path == "" {
		return nil, errors.New("file sink: no path")
	}
	for _, name := range s.JSON {
		if _, ok := in[etl.Main].Index(name); !ok {
			return nil, fmt.Errorf("file sink: no field %q for json", name)
		}
	}
	return etl.Schemas{etl.Main: in[etl.Main]}, nil
}

// Run writes the rows to a temporary file beside Path and renames it into
// place.
func (s *Sink) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	f, err := renameio.NewPendingFile(s.Path, renameio.WithTempDir(filepath.Dir(s.Path)),
		renameio.WithPermissions(0o666), renameio.WithExistingPermissions())
	if err != nil {
		return err
	}
	defer f.Cleanup() //nolint:errcheck // after CloseAtomicallyReplace it does nothing
	w := bufio.NewWriterSize(f, 1<<16)
	write, flush := s.writer(w, in[etl.Main].Schema)
	next := out.Port(etl.Main)
	err = etl.EachRow(ctx, in, out, func(r etl.Row) error {
		if err := write(r); err != nil {
			return err
		}
		return next.Emit(ctx, r)
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.CloseAtomicallyReplace()
}

func (s *Sink) writer(w io.Writer, schema *etl.Schema) (write func(etl.Row) error, flush func() error) {
	names := schema.Names()
	if s.Format == CSV {
		cw := csv.NewWriter(w)
		header := true
		rec := make([]string, len(names))
		return func(r etl.Row) error {
				if header {
					header = false
					if err := cw.Write(names); err != nil {
						return err
					}
				}
				for i, v := range r {
					rec[i] = etl.Text(v, s.Layout)
				}
				return cw.Write(rec)
			}, func() error {
				if header {
					if err := cw.Write(names); err != nil {
						return err
					}
				}
				cw.Flush()
				return cw.Error()
			}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	raw := make([]bool, len(names))
	for i, name := range names {
		raw[i] = slices.Contains(s.JSON, name)
	}
	return func(r etl.Row) error {
		obj := make(orderedObject, len(names))
		for i, v := range r {
			if t, ok := v.(time.Time); ok && s.Layout != "" {
				v = t.Format(s.Layout)
			}
			if text, ok := v.(string); ok && raw[i] {
				if !json.Valid([]byte(text)) {
					return fmt.Errorf("field %q: its text is not JSON", names[i])
				}
				v = json.RawMessage(text)
			}
			obj[i] = field{names[i], v}
		}
		return enc.Encode(obj)
	}, func() error { return nil }
}

type field struct {
	name  string
	value any
}

// orderedObject encodes as a JSON object with its fields in schema order.
type orderedObject []field

func (o orderedObject) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			buf = append(buf, ',')
		}
		k, err := json.Marshal(f.name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		buf = append(append(append(buf, k...), ':'), v...)
	}
	return append(buf, '}'), nil
}

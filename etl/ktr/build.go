package ktr

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/built"
	"github.com/articlekit/articlekit/etl/restio"
	"github.com/articlekit/articlekit/etl/sqlio"
	"github.com/articlekit/articlekit/etl/step"
)

// Options tune Build.
type Options struct {
	// Variables resolve ${NAME} references (see ResolveVariables).
	Variables Variables
	// Overrides replace connections' settings: KTR_CONNECTION_<NAME>_URL,
	// _USER and _PASSWORD, usually from the environment (see
	// Connection.DSN).
	Overrides map[string]string
	// HTTPClient sends the Rest steps' requests. Default: a client with a
	// 30s timeout.
	HTTPClient *http.Client
	// Path is the file's path, for Kettle's Internal.Transformation.*
	// variables.
	Path string
	// DryRun makes the database output steps pass their rows on without
	// writing them: a MergeRows step then reports what a run would change.
	DryRun bool
}

// Build makes an ArticleKit pipeline of a transformation, opening the
// connections its steps use; the built pipeline's Diffs are its MergeRows
// steps (a .ktr file has no schedule: it runs once). A file with
// unsupported steps fails with an *UnsupportedStepsError listing all of
// them; settings ArticleKit cannot honour fail with an error naming the
// step; nothing runs. Disabled hops are left out.
func Build(t *Transformation, opts Options) (*built.Pipeline, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	vars := Variables{}
	for k, v := range opts.Variables {
		vars[k] = v
	}
	if opts.Path != "" {
		dir, file := splitPath(opts.Path)
		vars["Internal.Transformation.Filename.Directory"] = dir
		vars["Internal.Transformation.Filename.Name"] = file
		vars["Internal.Entry.Current.Directory"] = dir
	}
	vars["Internal.Transformation.Name"] = t.Name
	if _, ok := vars["java.io.tmpdir"]; !ok {
		vars["java.io.tmpdir"] = os.TempDir() // Kettle's default sort directory
	}
	b := &builder{t: t, opts: opts, vars: vars,
		built: built.New(t.Name)}
	var errs []error
	for _, s := range t.Steps {
		st, err := b.step(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("ktr: step %q (%s): %w", s.Name, s.Type, err))
			continue
		}
		if opts.DryRun {
			if st, err = dryRun(s, st); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		var o []etl.StepOption
		if s.Distribute {
			o = append(o, etl.Distribute())
		}
		if s.Copies > 1 {
			if _, ok := st.(etl.Concurrent); !ok {
				errs = append(errs, fmt.Errorf("ktr: step %q (%s): %d copies: this step runs as one", s.Name, s.Type, s.Copies))
				continue
			}
			o = append(o, etl.Copies(s.Copies))
		}
		b.built.Pipeline.Add(s.Name, st, o...)
	}
	if len(errs) > 0 {
		_ = b.built.Close()
		return nil, errors.Join(errs...)
	}
	for _, h := range t.Hops {
		if h.Enabled {
			b.built.Pipeline.Connect(b.hop(h))
		}
	}
	return b.built, nil
}

// dryRun makes the steps that write pass their rows on instead. A REST
// call may write too: only GETs may run dry.
func dryRun(s Step, st etl.Step) (etl.Step, error) {
	switch x := st.(type) {
	case *sqlio.Table:
		return step.Pass{}, nil
	case *restio.Request:
		method := cmp.Or(x.Method, http.MethodGet)
		if x.MethodField != "" {
			method = "per-row method"
		}
		if method != http.MethodGet {
			return nil, fmt.Errorf("ktr: step %q (%s): a dry run cannot send %s requests", s.Name, s.Type, method)
		}
	}
	return st, nil
}

func splitPath(p string) (dir, file string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ".", p
	}
	return p[:i], p[i+1:]
}

type builder struct {
	t     *Transformation
	opts  Options
	vars  Variables
	built *built.Pipeline
	metas map[string]any
}

// hop maps a Kettle hop to ports: a filter's targets, a lookup's lookup
// step, a merge's reference and compare steps.
func (b *builder) hop(h Hop) etl.Hop {
	hop := etl.Hop{From: h.From, To: h.To}
	switch m := b.metas[h.From].(type) {
	case *filterRowsMeta:
		if h.To == m.SendFalseTo && m.SendFalseTo != "" {
			hop.FromPort = step.Unmatched
		}
	}
	switch m := b.metas[h.To].(type) {
	case *streamLookupMeta:
		if h.From == m.From {
			hop.ToPort = step.LookupPort
		}
	case *mergeRowsMeta:
		switch h.From {
		case m.Reference:
			hop.ToPort = step.ReferencePort
		case m.Compare:
			hop.ToPort = step.ComparePort
		}
	}
	return hop
}

func (b *builder) step(s Step) (etl.Step, error) {
	meta, err := s.decode()
	if err != nil {
		return nil, err
	}
	if b.metas == nil {
		b.metas = map[string]any{}
	}
	b.metas[s.Name] = meta
	switch m := meta.(type) {
	case *dummyMeta:
		return step.Pass{}, nil
	case *tableInputMeta:
		return b.tableInput(m)
	case *tableOutputMeta:
		return b.tableOutput(m)
	case *insertUpdateMeta:
		t, err := b.table(m.lookupTable, sqlio.Merge, m.Values)
		if err == nil && m.UpdateBypassed {
			for i := range t.Columns {
				t.Columns[i].Keep = true
			}
		}
		return t, err
	case *updateMeta:
		t, err := b.table(m.lookupTable, sqlio.Update, m.Values)
		if err == nil {
			t.IgnoreMissing = bool(m.ErrorIgnored)
		}
		return t, err
	case *deleteMeta:
		t, err := b.table(m.lookupTable, sqlio.Delete, nil)
		if err == nil {
			t.IgnoreMissing = true // Kettle's Delete deletes what matches, if anything
		}
		return t, err
	case *synchronizeAfterMergeMeta:
		if m.TableNameInField {
			return nil, errors.New("a table name taken from a field is not supported")
		}
		t, err := b.table(m.lookupTable, sqlio.Sync, m.Values)
		if err == nil {
			t.Flag = m.OperationOrderField
			t.Flags = sqlio.Flags{Insert: m.OrderInsert, Update: m.OrderUpdate, Delete: m.OrderDelete}
			t.IgnoreMissing = !bool(m.PerformLookup)
		}
		return t, err
	case *mergeRowsMeta:
		d := &step.Diff{Keys: m.Keys, Values: m.Values, Flag: m.FlagField}
		b.built.Diffs[s.Name] = d
		return d, nil
	case *selectValuesMeta:
		return selectValues(m)
	case *filterRowsMeta:
		return step.Filter{Where: conditionExpr{m.Condition}}, nil
	case *constantMeta:
		return constants(m.Fields, b.vars)
	case *valueMapperMeta:
		return valueMapper(m), nil
	case *calculatorMeta:
		return calculator(m, b.vars)
	case *sortRowsMeta:
		memory, err := b.number("sort size", m.SortSize)
		if err != nil {
			return nil, err
		}
		sort := step.Sort{Unique: bool(m.Unique), Memory: int(min(memory, 1<<30)), Dir: b.vars.Expand(m.Directory)}
		for _, f := range m.Fields {
			sort.Keys = append(sort.Keys, step.SortKey{Field: f.Name, Descending: !bool(f.Ascending), IgnoreCase: !bool(f.CaseSensitive)})
		}
		return sort, nil
	case *streamLookupMeta:
		return streamLookup(m)
	case *dataGridMeta:
		return dataGrid(m)
	case *rowGeneratorMeta:
		return b.rowGenerator(m)
	case *restMeta:
		return b.rest(m)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupportedStep, s.Type)
}

// db opens the named connection once.
func (b *builder) db(name string) (*sqldb.DB, error) {
	for _, c := range b.t.Connections {
		if c.Name != name {
			continue
		}
		dsn, err := c.DSN(b.vars, b.opts.Overrides)
		if err != nil {
			return nil, err
		}
		db, err := b.built.Connection(name, dsn)
		if err != nil {
			return nil, fmt.Errorf("connection %q: %w", name, err)
		}
		return db, nil
	}
	return nil, fmt.Errorf("no connection %q in the file", name)
}

// number reads a count that may hold a variable; empty is 0.
func (b *builder) number(what, text string) (int64, error) {
	text = strings.TrimSpace(b.vars.Expand(text))
	if text == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q is not a count", what, text)
	}
	return n, nil
}

func (b *builder) tableInput(m *tableInputMeta) (etl.Step, error) {
	if m.ExecuteEachRow || m.Lookup != "" {
		return nil, errors.New("queries run for each row of another step are not supported")
	}
	db, err := b.db(m.Connection)
	if err != nil {
		return nil, err
	}
	query := m.SQL
	if m.VariablesActive {
		if missing := b.vars.missing(query); len(missing) > 0 {
			return nil, fmt.Errorf("no value for variables %s", strings.Join(missing, ", "))
		}
		query = b.vars.Expand(query)
	}
	limit, err := b.number("limit", m.Limit)
	if err != nil {
		return nil, err
	}
	if limit > 0 {
		query = "SELECT * FROM (\n" + strings.TrimRight(strings.TrimSpace(query), ";") + "\n) q LIMIT " + strconv.FormatInt(limit, 10)
	}
	return &sqlio.Query{DB: db, SQL: query}, nil
}

func (b *builder) qualified(schema, table string) string {
	table = b.vars.Expand(table)
	if schema = b.vars.Expand(schema); schema != "" {
		return schema + "." + table
	}
	return table
}

func (b *builder) tableOutput(m *tableOutputMeta) (etl.Step, error) {
	switch {
	case bool(m.TableNameInField):
		return nil, errors.New("a table name taken from a field is not supported")
	case bool(m.IgnoreErrors):
		return nil, errors.New("ignoring insert errors is not supported")
	case bool(m.ReturnKeys):
		return nil, errors.New("returning generated keys is not supported")
	}
	db, err := b.db(m.Connection)
	if err != nil {
		return nil, err
	}
	commit, err := b.number("commit size", m.CommitSize)
	if err != nil {
		return nil, err
	}
	t := &sqlio.Table{DB: db, Name: b.qualified(m.Schema, m.Table), Mode: sqlio.Insert, Truncate: bool(m.Truncate), CommitSize: int(commit)}
	if m.SpecifyFields {
		for _, f := range m.Fields {
			t.Columns = append(t.Columns, sqlio.Column{Name: f.Column, Field: f.Stream})
		}
	}
	return t, nil
}

// table builds the sink of the steps that find rows by keys. The key
// columns compared with = are written on insert too, as Kettle does.
func (b *builder) table(lt lookupTable, mode sqlio.Mode, values []valueField) (*sqlio.Table, error) {
	db, err := b.db(lt.Connection)
	if err != nil {
		return nil, err
	}
	commit, err := b.number("commit size", lt.CommitSize)
	if err != nil {
		return nil, err
	}
	t := &sqlio.Table{DB: db, Name: b.qualified(lt.Schema, lt.Table), Mode: mode, CommitSize: int(commit)}
	written := map[string]bool{}
	for _, v := range values {
		t.Columns = append(t.Columns, sqlio.Column{Name: v.Name, Field: v.Rename, Keep: !bool(v.Update)})
		written[v.Name] = true
	}
	for _, k := range lt.Keys {
		t.Keys = append(t.Keys, sqlio.Key{Column: k.Field, Op: k.Condition, Field: k.Name, Field2: k.Name2})
		if k.Condition == "=" && !written[k.Field] && mode != sqlio.Delete {
			t.Columns = append(t.Columns, sqlio.Column{Name: k.Field, Field: k.Name, Keep: true})
			written[k.Field] = true
		}
	}
	if mode == sqlio.Delete {
		t.Columns = nil
	}
	return t, nil
}

func selectValues(m *selectValuesMeta) (etl.Step, error) {
	s := step.Select{Unspecified: bool(m.SelectUnspecified), UnspecifiedByName: true, Remove: m.Remove}
	for _, f := range m.Fields {
		s.Fields = append(s.Fields, step.Pick{Name: f.Name, Rename: f.Rename})
	}
	for _, mt := range m.Meta {
		typ, err := fieldType(mt.Type)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", mt.Name, err)
		}
		layout, err := goLayout(mt.ConversionMask)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", mt.Name, err)
		}
		s.Retype = append(s.Retype, step.Retype{Name: mt.Name, Rename: mt.Rename, Type: typ, Layout: layout})
	}
	return s, nil
}

func constants(fields []constantField, vars Variables) (step.Constants, error) {
	var c step.Constants
	for _, f := range fields {
		typ, err := fieldType(f.Type)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		v, err := parseValue(vars.Expand(f.Value), f.Type, f.Format, f.Decimal, f.Group, bool(f.SetEmptyString))
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		c = append(c, step.Constant{Name: f.Name, Type: typ, Value: v})
	}
	return c, nil
}

func valueMapper(m *valueMapperMeta) etl.Step {
	mv := step.MapValues{Field: m.FieldToUse, Target: m.TargetField, Mapping: map[string]string{}}
	for _, mp := range m.Mappings {
		if mp.Source == "" {
			target := mp.Target
			mv.Null = &target
			continue
		}
		mv.Mapping[mp.Source] = mp.Target
	}
	if m.NonMatchDefault != "" {
		def := m.NonMatchDefault
		mv.Default = &def
	}
	return mv
}

func streamLookup(m *streamLookupMeta) (etl.Step, error) {
	l := step.Lookup{}
	for _, k := range m.Keys {
		l.Keys = append(l.Keys, step.LookupKey{Field: k.Name, LookupField: k.Field})
	}
	for _, v := range m.Values {
		def, err := parseValue(v.Default, v.Type, "", "", "", false)
		if err != nil {
			return nil, fmt.Errorf("value %q: default: %w", v.Name, err)
		}
		l.Values = append(l.Values, step.LookupValue{LookupField: v.Name, Rename: v.Rename, Default: def})
	}
	return l, nil
}

func dataGrid(m *dataGridMeta) (etl.Step, error) {
	fields := make([]etl.Field, len(m.Fields))
	for i, f := range m.Fields {
		typ, err := fieldType(f.Type)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		fields[i] = etl.Field{Name: f.Name, Type: typ}
	}
	schema, err := etl.NewSchema(fields...)
	if err != nil {
		return nil, err
	}
	rows := step.Rows{Schema: schema}
	for n, line := range m.Rows {
		row := make(etl.Row, len(fields))
		for i, f := range m.Fields {
			item := ""
			if i < len(line) {
				item = line[i]
			}
			if f.NullIf != "" && item == f.NullIf {
				continue
			}
			if row[i], err = parseValue(item, f.Type, f.Format, f.Decimal, f.Group, bool(f.SetEmptyString)); err != nil {
				return nil, fmt.Errorf("line %d, field %q: %w", n+1, f.Name, err)
			}
		}
		rows.Rows = append(rows.Rows, row)
	}
	return rows, nil
}

func (b *builder) rowGenerator(m *rowGeneratorMeta) (etl.Step, error) {
	if m.RowTimeField != "" || m.LastTimeField != "" {
		return nil, errors.New("row time fields are not supported")
	}
	consts, err := constants(m.Fields, b.vars)
	if err != nil {
		return nil, err
	}
	fields := make([]etl.Field, len(consts))
	row := make(etl.Row, len(consts))
	for i, c := range consts {
		fields[i], row[i] = etl.Field{Name: c.Name, Type: c.Type}, c.Value
	}
	schema, err := etl.NewSchema(fields...)
	if err != nil {
		return nil, err
	}
	limit, err := b.number("limit", m.Limit)
	if err != nil {
		return nil, err
	}
	interval, err := b.number("interval", m.IntervalInMs)
	if err != nil {
		return nil, err
	}
	rows := step.Rows{Schema: schema, Rows: []etl.Row{row}, Times: limit, Forever: bool(m.NeverEnding),
		Interval: time.Duration(interval) * time.Millisecond}
	if limit == 0 && !rows.Forever {
		rows.Rows = nil
	}
	return rows, nil
}

func (b *builder) rest(m *restMeta) (etl.Step, error) {
	switch {
	case m.HTTPLogin != "" || m.ProxyHost != "" || m.TrustStoreFile != "":
		return nil, errors.New("authentication, proxies and trust stores are not supported")
	case len(m.MatrixParameters) > 0:
		return nil, errors.New("matrix parameters are not supported")
	}
	contentType := map[string]string{"JSON": "application/json", "XML": "application/xml",
		"TEXT PLAIN": "text/plain", "TEXT XML": "text/xml", "FORM URLENCODED": "application/x-www-form-urlencoded"}[strings.ToUpper(m.ApplicationType)]
	r := &restio.Request{Client: b.opts.HTTPClient, URL: b.vars.Expand(m.URL), Method: m.Method, BodyField: m.BodyField,
		ContentType: contentType, BodyResult: m.ResultName, StatusResult: m.ResultCode, TimeResult: m.ResultResponseTime,
		HeaderResult: m.ResultResponseHeader}
	if m.URLInField {
		r.URL, r.URLField = "", m.URLField
	}
	if m.DynamicMethod {
		r.MethodField = m.MethodFieldName
	}
	for _, h := range m.Headers {
		r.Headers = append(r.Headers, restio.Param{Field: h.Field, Name: h.Name})
	}
	for _, p := range m.Parameters {
		r.Query = append(r.Query, restio.Param{Field: p.Field, Name: p.Name})
	}
	return r, nil
}

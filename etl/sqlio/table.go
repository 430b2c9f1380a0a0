package sqlio

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/step"
)

// Mode is how a Table writes its rows.
type Mode int

// The modes.
const (
	// Insert adds every row (Kettle's Table output).
	Insert Mode = iota
	// Upsert inserts rows whose key is new and updates the others, with
	// the dialect's ON CONFLICT / ON DUPLICATE KEY: the keys must be the
	// table's primary or a unique key. With Version set, a row updates
	// only a stored row of a lower version, so replaying rows is harmless.
	Upsert
	// Merge updates the rows matching the keys, inserting those that match
	// none (Kettle's Insert/Update); it needs no unique key, row by row.
	Merge
	// Update updates the rows matching the keys (Kettle's Update).
	Update
	// Delete deletes the rows matching the keys (Kettle's Delete).
	Delete
	// Sync inserts, updates or deletes each row by its flag field, as a
	// Diff sets it (Kettle's Synchronize after merge).
	Sync
)

var modeNames = []string{"insert", "upsert", "merge", "update", "delete", "sync"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", m)
}

// ParseMode returns the mode named name.
func ParseMode(name string) (Mode, error) {
	if i := slices.Index(modeNames, strings.ToLower(name)); i >= 0 {
		return Mode(i), nil
	}
	return 0, fmt.Errorf("sqlio: unknown mode %q (want one of %s)", name, strings.Join(modeNames, ", "))
}

// Column maps a field to a table column.
type Column struct {
	// Name is the column; Field the field that fills it (Name when empty).
	Name, Field string
	// Keep leaves the column as it is when a row is updated (Kettle's
	// "update: N"); it is still set on insert.
	Keep bool
}

// Key is a condition that finds a row's table rows: Column Op Field (Op is
// "=" when empty; also <>, <, <=, >, >=, LIKE, BETWEEN with Field2, IS NULL
// and IS NOT NULL, which take no field).
type Key struct {
	Column, Op, Field, Field2 string
}

// Flags name the Sync operations' flag values; empty ones take step.Diff's
// (step.FlagNew, step.FlagChanged, step.FlagDeleted).
type Flags struct{ Insert, Update, Delete string }

// Table is a sink that writes rows into a table, Mode decides how. It
// passes the rows it wrote on to its main output.
type Table struct {
	DB   *sqldb.DB
	Name string // the table, schema-qualified when need be
	Mode Mode
	// Columns are the columns written (every field, under its own name,
	// when empty; minus the keys when updating).
	Columns []Column
	Keys    []Key
	// Version is the column an Upsert compares: a row replaces a stored row
	// only if its version is higher.
	Version string
	// Flag is the field holding a Sync row's operation; Flags its values.
	Flag  string
	Flags Flags
	// Truncate empties the table before the first row.
	Truncate bool
	// Copy loads Inserts into PostgreSQL with COPY, the fastest way in.
	Copy bool
	// CommitSize is how many rows one transaction writes. Default: 1000,
	// 100,000 with Copy.
	CommitSize int
	// IgnoreMissing lets an Update or Delete that matches no row pass;
	// otherwise it fails the run.
	IgnoreMissing bool
	// Checkpoint saves the watermark of each transaction's last row in it.
	Checkpoint *Checkpoint
}

// ErrNoMatch is an Update's or Delete's row that matched nothing.
var ErrNoMatch = errors.New("no row matches the key")

// tablePlan is a Table bound to its input schema.
type tablePlan struct {
	cols      []Column // written columns
	colIdx    []int    // their fields' positions
	set       []int    // positions in cols updated (not keys, not Keep)
	keyIdx    [][2]int // each key's field(s)
	keyFields []int    // the fields of the keys, for telling rows apart
	flagIdx   int
	markIdx   []int
}

func (t *Table) plan(in *etl.Schema) (*tablePlan, error) {
	if t.DB == nil || t.Name == "" {
		return nil, errors.New("table: no database or no table name")
	}
	if t.Copy && (t.DB.Dialect != sqldb.Postgres || t.Mode != Insert) {
		return nil, errors.New("table: COPY needs PostgreSQL and the insert mode")
	}
	p := &tablePlan{cols: t.Columns, flagIdx: -1}
	keyCols := map[string]bool{}
	for _, k := range t.Keys {
		keyCols[k.Column] = true
		var idx [2]int
		op := strings.ToUpper(k.Op)
		if op != "IS NULL" && op != "IS NOT NULL" {
			field := cmp.Or(k.Field, k.Column)
			i, ok := in.Index(field)
			if !ok {
				return nil, fmt.Errorf("table: key %q: no field %q", k.Column, field)
			}
			idx[0] = i
		}
		if op == "BETWEEN" {
			i, ok := in.Index(k.Field2)
			if !ok {
				return nil, fmt.Errorf("table: key %q: BETWEEN needs a second field, %q is missing", k.Column, k.Field2)
			}
			idx[1] = i
		}
		if !slices.Contains([]string{"", "=", "<>", "!=", "<", "<=", ">", ">=", "LIKE", "BETWEEN", "IS NULL", "IS NOT NULL"}, op) {
			return nil, fmt.Errorf("table: key %q: unknown operator %q", k.Column, k.Op)
		}
		p.keyIdx = append(p.keyIdx, idx)
		p.keyFields = append(p.keyFields, idx[0])
	}
	needsKeys := t.Mode != Insert
	if needsKeys && len(t.Keys) == 0 {
		return nil, fmt.Errorf("table: the %s mode needs keys", t.Mode)
	}
	if len(p.cols) == 0 {
		for _, name := range in.Names() {
			if name == t.Flag && t.Mode == Sync {
				continue
			}
			p.cols = append(p.cols, Column{Name: name})
		}
	}
	for i, c := range p.cols {
		field := cmp.Or(c.Field, c.Name)
		j, ok := in.Index(field)
		if !ok {
			return nil, fmt.Errorf("table: column %q: %w", c.Name, &etl.MissingFieldsError{Fields: []string{fmt.Sprintf("%q", field)}, Have: in.Names()})
		}
		p.colIdx = append(p.colIdx, j)
		if !keyCols[c.Name] && !c.Keep {
			p.set = append(p.set, i)
		}
	}
	if t.Mode == Upsert && t.Version != "" && !slices.ContainsFunc(p.cols, func(c Column) bool { return c.Name == t.Version }) {
		return nil, fmt.Errorf("table: version column %q is not written", t.Version)
	}
	if t.Mode == Sync {
		i, ok := in.Index(t.Flag)
		if !ok {
			return nil, fmt.Errorf("table: no flag field %q", t.Flag)
		}
		p.flagIdx = i
	}
	if cp := t.Checkpoint; cp != nil {
		if cp.DB != t.DB {
			return nil, errors.New("table: the checkpoint must live in the table's database, to be saved in its transactions")
		}
		idx, err := in.Require(cp.Fields...)
		if err != nil {
			return nil, fmt.Errorf("table: watermark: %w", err)
		}
		p.markIdx = idx
	}
	return p, nil
}

// Plan checks the columns and keys against the input, and that the table
// has those columns (see probe).
func (t *Table) Plan(ctx context.Context, in etl.Schemas) (etl.Schemas, error) {
	main, ok := in[etl.Main]
	if !ok {
		return nil, errors.New("table: no input")
	}
	p, err := t.plan(main)
	if err != nil {
		return nil, err
	}
	if err := t.probe(ctx, p); err != nil {
		return nil, err
	}
	return etl.Schemas{etl.Main: main}, nil
}

// probe asks the database for the table's written columns, no rows, so
// that a table or column that is not there fails the pipeline before any
// row moves, naming the table and the database.
func (t *Table) probe(ctx context.Context, p *tablePlan) error {
	d := t.DB.Dialect
	cols := make([]string, len(p.cols))
	for i, c := range p.cols {
		cols[i] = quote(d, c.Name)
	}
	rows, err := t.DB.Read.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+quote(d, t.Name)+" WHERE 1 = 0")
	if err != nil {
		return fmt.Errorf("table %s in %s: %w", t.Name, t.DB, err)
	}
	return rows.Close()
}

// Run writes the rows, CommitSize at a time.
func (t *Table) Run(ctx context.Context, in etl.Inputs, out etl.Outputs) error {
	p, err := t.plan(in[etl.Main].Schema)
	if err != nil {
		return err
	}
	if t.Checkpoint != nil {
		if err := t.Checkpoint.ensure(ctx); err != nil {
			return err
		}
	}
	if t.Copy {
		return t.copyRows(ctx, p, in[etl.Main], out.Port(etl.Main))
	}
	size := t.CommitSize
	if size <= 0 {
		size = 1000
	}
	// The table is emptied in the first transaction that writes, so a run
	// that fails before it leaves the table as it was.
	w := &writer{t: t, p: p, truncate: t.Truncate}
	pending := make([]etl.Row, 0, size)
	o := out.Port(etl.Main)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := w.commit(ctx, pending); err != nil {
			return err
		}
		for _, r := range pending {
			if err := o.Emit(ctx, r); err != nil {
				return err
			}
		}
		pending = pending[:0]
		return o.Flush(ctx)
	}
	err = in[etl.Main].Batches(ctx, func(rows []etl.Row) error {
		for _, r := range rows {
			pending = append(pending, r)
			if len(pending) == size {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	if w.truncate { // no rows came: the table still ends empty
		return w.commit(ctx, nil)
	}
	return nil
}

// writer writes a Table's transactions.
type writer struct {
	t     *Table
	p     *tablePlan
	stmts map[string]*sql.Stmt
	// truncate: the table is still to be emptied, in the next transaction.
	truncate bool
}

func (w *writer) commit(ctx context.Context, rows []etl.Row) error {
	tx, err := w.t.DB.Write.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("table %s: begin: %w", w.t.Name, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	// Statements prepared in the transaction close with it.
	w.stmts = map[string]*sql.Stmt{}
	if w.truncate {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+quote(w.t.DB.Dialect, w.t.Name)); err != nil {
			return fmt.Errorf("table %s: empty: %w", w.t.Name, err)
		}
	}
	if err := w.write(ctx, tx, rows); err != nil {
		return fmt.Errorf("table %s: %w", w.t.Name, err)
	}
	if cp := w.t.Checkpoint; cp != nil && len(rows) > 0 {
		if err := cp.save(ctx, tx, rows[len(rows)-1], w.p.markIdx); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("table %s: commit: %w", w.t.Name, err)
	}
	w.truncate = false
	return nil
}

func (w *writer) write(ctx context.Context, tx *sql.Tx, rows []etl.Row) error {
	switch w.t.Mode {
	case Insert, Upsert:
		return w.insert(ctx, tx, rows)
	case Sync:
		flags := w.t.Flags
		for _, r := range rows {
			var err error
			switch flag, _ := r[w.p.flagIdx].(string); flag {
			case cmp.Or(flags.Insert, step.FlagNew):
				err = w.insert(ctx, tx, []etl.Row{r})
			case cmp.Or(flags.Update, step.FlagChanged):
				err = w.update(ctx, tx, r)
			case cmp.Or(flags.Delete, step.FlagDeleted):
				err = w.delete(ctx, tx, r)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range rows {
		var err error
		switch w.t.Mode {
		case Merge:
			err = w.merge(ctx, tx, r)
		case Update:
			err = w.update(ctx, tx, r)
		case Delete:
			err = w.delete(ctx, tx, r)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// insert inserts (or upserts) rows with multi-row statements. An upsert
// statement holds each key once (PostgreSQL refuses to change a row twice
// in one): a repeated key starts the next statement, so rows still apply in
// order.
func (w *writer) insert(ctx context.Context, tx *sql.Tx, rows []etl.Row) error {
	per := max(1, min(500, maxParams(w.t.DB.Dialect)/len(w.p.cols)))
	seen := map[string]bool{}
	var key []byte
	for len(rows) > 0 {
		n := min(per, len(rows))
		if w.t.Mode == Upsert {
			clear(seen)
			for i, r := range rows[:n] {
				key = etl.AppendKey(key[:0], r, w.p.keyFields)
				if seen[string(key)] {
					n = i
					break
				}
				seen[string(key)] = true
			}
		}
		args := make([]any, 0, n*len(w.p.cols))
		for _, r := range rows[:n] {
			for _, j := range w.p.colIdx {
				args = append(args, bindable(w.t.DB.Dialect, r[j]))
			}
		}
		if err := w.exec(ctx, tx, w.insertSQL(n), args, nil); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

func (w *writer) insertSQL(n int) string {
	d := w.t.DB.Dialect
	var b strings.Builder
	b.WriteString("INSERT INTO " + quote(d, w.t.Name) + " (")
	for i, c := range w.p.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(d, c.Name))
	}
	b.WriteString(") VALUES ")
	ph := placeholders{dialect: d}
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := range w.p.cols {
			if i > 0 {
				b.WriteString(", ")
			}
			ph.next(&b)
		}
		b.WriteByte(')')
	}
	if w.t.Mode == Upsert {
		b.WriteString(w.conflictClause())
	}
	return b.String()
}

// conflictClause turns an insert into a (version-guarded) upsert.
func (w *writer) conflictClause() string {
	d := w.t.DB.Dialect
	var set []string
	version := ""
	if w.t.Version != "" {
		version = quote(d, w.t.Version)
	}
	if d == sqldb.MySQL {
		// MySQL assigns left to right: the version must change last, after
		// the columns that compare against its old value.
		for _, i := range w.p.set {
			c := quote(d, w.p.cols[i].Name)
			switch {
			case version == "":
				set = append(set, c+" = VALUES("+c+")")
			case c != version:
				set = append(set, fmt.Sprintf("%s = IF(VALUES(%s) > %s, VALUES(%s), %s)", c, version, version, c, c))
			}
		}
		if version != "" {
			set = append(set, fmt.Sprintf("%s = GREATEST(%s, VALUES(%s))", version, version, version))
		}
		if len(set) == 0 {
			k := quote(d, w.t.Keys[0].Column)
			set = append(set, k+" = "+k)
		}
		return " ON DUPLICATE KEY UPDATE " + strings.Join(set, ", ")
	}
	keys := make([]string, len(w.t.Keys))
	for i, k := range w.t.Keys {
		keys[i] = quote(d, k.Column)
	}
	for _, i := range w.p.set {
		c := quote(d, w.p.cols[i].Name)
		set = append(set, c+" = excluded."+c)
	}
	if len(set) == 0 {
		return " ON CONFLICT (" + strings.Join(keys, ", ") + ") DO NOTHING"
	}
	clause := " ON CONFLICT (" + strings.Join(keys, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
	if version != "" {
		name := w.t.Name[strings.LastIndexByte(w.t.Name, '.')+1:]
		clause += " WHERE " + quote(d, name) + "." + version + " < excluded." + version
	}
	return clause
}

// where writes the key conditions, collecting their arguments from r.
func (w *writer) where(b *strings.Builder, ph *placeholders, r etl.Row, args []any) []any {
	d := w.t.DB.Dialect
	b.WriteString(" WHERE ")
	for i, k := range w.t.Keys {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(quote(d, k.Column))
		switch op := strings.ToUpper(k.Op); op {
		case "IS NULL", "IS NOT NULL":
			b.WriteString(" " + op)
		case "BETWEEN":
			b.WriteString(" BETWEEN ")
			ph.next(b)
			b.WriteString(" AND ")
			ph.next(b)
			args = append(args, bindable(d, r[w.p.keyIdx[i][0]]), bindable(d, r[w.p.keyIdx[i][1]]))
		default:
			if op == "" {
				op = "="
			}
			b.WriteString(" " + op + " ")
			ph.next(b)
			args = append(args, bindable(d, r[w.p.keyIdx[i][0]]))
		}
	}
	return args
}

// update updates the rows matching r's keys.
func (w *writer) update(ctx context.Context, tx *sql.Tx, r etl.Row) error {
	n, err := w.updateRows(ctx, tx, r)
	if err == nil && n == 0 && !w.t.IgnoreMissing {
		exists, err := w.exists(ctx, tx, r)
		if err != nil {
			return err
		}
		if !exists {
			return w.noMatch(r)
		}
	}
	return err
}

func (w *writer) updateRows(ctx context.Context, tx *sql.Tx, r etl.Row) (int64, error) {
	if len(w.p.set) == 0 {
		return 0, nil
	}
	d := w.t.DB.Dialect
	var b strings.Builder
	ph := placeholders{dialect: d}
	b.WriteString("UPDATE " + quote(d, w.t.Name) + " SET ")
	args := make([]any, 0, len(w.p.set)+len(w.t.Keys))
	for n, i := range w.p.set {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(d, w.p.cols[i].Name) + " = ")
		ph.next(&b)
		args = append(args, bindable(w.t.DB.Dialect, r[w.p.colIdx[i]]))
	}
	args = w.where(&b, &ph, r, args)
	var affected int64
	err := w.exec(ctx, tx, b.String(), args, &affected)
	return affected, err
}

func (w *writer) exists(ctx context.Context, tx *sql.Tx, r etl.Row) (bool, error) {
	var b strings.Builder
	ph := placeholders{dialect: w.t.DB.Dialect}
	b.WriteString("SELECT 1 FROM " + quote(w.t.DB.Dialect, w.t.Name))
	args := w.where(&b, &ph, r, nil)
	b.WriteString(" LIMIT 1")
	var one int
	switch err := tx.QueryRowContext(ctx, b.String(), args...).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// merge updates the rows matching r's keys, or inserts r.
func (w *writer) merge(ctx context.Context, tx *sql.Tx, r etl.Row) error {
	n, err := w.updateRows(ctx, tx, r)
	if err != nil || n > 0 {
		return err
	}
	// MySQL counts changed rows, not matched ones: check before inserting.
	exists, err := w.exists(ctx, tx, r)
	if err != nil || exists {
		return err
	}
	return w.insert(ctx, tx, []etl.Row{r})
}

func (w *writer) delete(ctx context.Context, tx *sql.Tx, r etl.Row) error {
	var b strings.Builder
	ph := placeholders{dialect: w.t.DB.Dialect}
	b.WriteString("DELETE FROM " + quote(w.t.DB.Dialect, w.t.Name))
	args := w.where(&b, &ph, r, nil)
	var n int64
	if err := w.exec(ctx, tx, b.String(), args, &n); err != nil {
		return err
	}
	if n == 0 && !w.t.IgnoreMissing {
		return w.noMatch(r)
	}
	return nil
}

func (w *writer) noMatch(r etl.Row) error {
	vals := make([]string, len(w.p.keyIdx))
	for i, idx := range w.p.keyIdx {
		vals[i] = fmt.Sprintf("%s=%s", w.t.Keys[i].Column, etl.Text(r[idx[0]], ""))
	}
	return fmt.Errorf("%w (%s)", ErrNoMatch, strings.Join(vals, ", "))
}

// exec runs a statement, prepared once per transaction (they repeat).
func (w *writer) exec(ctx context.Context, tx *sql.Tx, query string, args []any, affected *int64) error {
	stmt, ok := w.stmts[query]
	if !ok {
		var err error
		if stmt, err = tx.PrepareContext(ctx, query); err != nil {
			return err
		}
		w.stmts[query] = stmt
	}
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return err
	}
	if affected != nil {
		*affected, err = res.RowsAffected()
	}
	return err
}

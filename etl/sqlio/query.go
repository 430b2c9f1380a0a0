package sqlio

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
)

// Query is a source: the rows of a SQL query, or of a whole table. Field
// types come from the columns' declared types; a column the driver cannot
// type is Any.
type Query struct {
	DB *sqldb.DB
	// SQL is the query, with Args for its parameters (? or $1 on
	// PostgreSQL); or Table names a table to read whole.
	SQL   string
	Args  []any
	Table string
	// Checkpoint, when set, makes the query incremental: it reads only the
	// rows after the watermark the checkpoint holds, in watermark order.
	Checkpoint *Checkpoint
}

// trimSQL drops what would break the query once wrapped in a subquery.
func (q *Query) trimSQL() string {
	if q.SQL == "" && q.Table != "" && q.DB != nil {
		return "SELECT * FROM " + quote(q.DB.Dialect, q.Table)
	}
	return strings.TrimRight(strings.TrimSpace(q.SQL), "; \t\r\n")
}

// Count returns how many rows a run would read (ignoring a checkpoint), so
// that a progress display can show an ETA.
func (q *Query) Count(ctx context.Context) (int64, error) {
	var n int64
	err := q.DB.Read.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM (\n"+q.trimSQL()+"\n) q", q.Args...).Scan(&n)
	return n, err
}

// Plan reads the columns of the query (wrapped so that it returns no row).
func (q *Query) Plan(ctx context.Context, _ etl.Schemas) (etl.Schemas, error) {
	if q.DB == nil || q.trimSQL() == "" {
		return nil, errors.New("query: no database or no SQL")
	}
	rows, err := q.DB.Read.DB.QueryContext(ctx, "SELECT * FROM (\n"+q.trimSQL()+"\n) q LIMIT 0", q.Args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	schema, err := schemaOf(rows)
	if err != nil {
		return nil, err
	}
	if q.Checkpoint != nil {
		if _, err := schema.Require(q.Checkpoint.Fields...); err != nil {
			return nil, fmt.Errorf("query: watermark: %w", err)
		}
	}
	return etl.Schemas{etl.Main: schema}, nil
}

func schemaOf(rows *sql.Rows) (*etl.Schema, error) {
	cols, err := rows.ColumnTypes()
	if err != nil {
		return nil, fmt.Errorf("query: columns: %w", err)
	}
	fields := make([]etl.Field, len(cols))
	for i, c := range cols {
		fields[i] = etl.Field{Name: c.Name(), Type: typeOf(c.DatabaseTypeName())}
	}
	return etl.NewSchema(fields...)
}

// integerTypes are the declared types that hold integers (SQLite's type
// affinity would take anything containing INT, POINT and INTERVAL too).
var integerTypes = map[string]bool{"INT": true, "INTEGER": true, "BIGINT": true, "SMALLINT": true, "TINYINT": true,
	"MEDIUMINT": true, "INT2": true, "INT4": true, "INT8": true, "SERIAL": true, "BIGSERIAL": true, "SMALLSERIAL": true}

// typeOf maps a column's declared SQL type to a field type.
func typeOf(sqlType string) etl.Type {
	t := strings.ToUpper(strings.TrimSpace(sqlType))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = t[:i]
	}
	t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSuffix(t, " UNSIGNED"), "UNSIGNED "))
	switch {
	case t == "BOOL" || t == "BOOLEAN":
		return etl.Boolean
	case integerTypes[t]:
		return etl.Integer
	case strings.Contains(t, "CHAR"), strings.Contains(t, "TEXT"), strings.Contains(t, "CLOB"),
		t == "UUID", t == "JSON", t == "JSONB", t == "ENUM", t == "NAME":
		return etl.String
	case t == "REAL", t == "FLOAT", t == "FLOAT4", t == "FLOAT8", t == "DOUBLE", t == "DOUBLE PRECISION",
		t == "NUMERIC", t == "DECIMAL":
		return etl.Number
	case strings.HasPrefix(t, "TIMESTAMP"), t == "DATETIME", t == "DATE":
		return etl.Time
	case strings.Contains(t, "BLOB"), t == "BYTEA", strings.Contains(t, "BINARY"):
		return etl.Binary
	}
	return etl.Any
}

// Run streams the rows.
func (q *Query) Run(ctx context.Context, _ etl.Inputs, out etl.Outputs) error {
	text, args := q.trimSQL(), q.Args
	if cp := q.Checkpoint; cp != nil {
		mark, err := cp.Load(ctx)
		if err != nil {
			return err
		}
		text, args = cp.filter(q.DB.Dialect, text, args, mark)
	}
	rows, err := q.DB.Read.DB.QueryContext(ctx, text, args...)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	schema, err := schemaOf(rows)
	if err != nil {
		return err
	}
	o := out.Port(etl.Main)
	n := schema.Len()
	types := make([]etl.Type, n)
	for i := range types {
		types[i] = schema.Field(i).Type
	}
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("query: scan: %w", err)
		}
		row := make(etl.Row, n)
		for i, v := range vals {
			if row[i], err = value(v, types[i]); err != nil {
				return fmt.Errorf("query: column %q: %w", schema.Field(i).Name, err)
			}
		}
		if err := o.Emit(ctx, row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	return nil
}

// value turns what a driver scanned into a row value of type t.
func value(v any, t etl.Type) (any, error) {
	switch x := v.(type) {
	case nil, int64, float64, bool:
		if t == etl.Any || etl.TypeOf(x) == t || x == nil {
			return x, nil
		}
	case string:
		if t == etl.String || t == etl.Any {
			return x, nil
		}
	case []byte:
		switch t {
		case etl.Binary:
			return append([]byte(nil), x...), nil // the driver reuses its buffer
		case etl.String, etl.Any:
			return string(x), nil
		}
		return etl.Convert(string(x), t, "")
	}
	return etl.Convert(v, t, "")
}

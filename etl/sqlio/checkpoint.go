package sqlio

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
)

// CheckpointTable is the table, in the target database, that holds the
// watermarks of incremental pipelines.
const CheckpointTable = "etl_checkpoints"

// Checkpoint is where an incremental pipeline has got to: the watermark
// (the values of Fields) of the last source row written to the target. A
// Query with the checkpoint reads only the rows after it, in watermark
// order; a Table with it saves the watermark of each batch in the
// transaction that writes the batch. A run killed at any point therefore
// resumes exactly after the last row written.
//
// The watermark must be unique and grow with every change in the source:
// (updated_at, id) is the usual one. Rows whose transaction commits after a
// later watermark has been read are missed (the Kafka outbox relay has no
// such gap).
type Checkpoint struct {
	// DB is the target database, which keeps the checkpoint.
	DB *sqldb.DB
	// Name identifies the pipeline.
	Name string
	// Fields are the watermark fields, most significant first.
	Fields []string
}

func (c *Checkpoint) ensure(ctx context.Context) error {
	_, err := c.DB.Write.DB.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+quote(c.DB.Dialect, CheckpointTable)+
		" (name VARCHAR(191) NOT NULL PRIMARY KEY, watermark TEXT NOT NULL, updated_at VARCHAR(40) NOT NULL)")
	if err != nil {
		// Two creators at once (the query and the table of one pipeline)
		// can collide even with IF NOT EXISTS on PostgreSQL: if the table
		// is there now, all is well.
		if c.exists(ctx) {
			return nil
		}
		return fmt.Errorf("checkpoint: create table: %w", err)
	}
	return nil
}

// exists reports whether the checkpoint table is there.
func (c *Checkpoint) exists(ctx context.Context) bool {
	_, err := c.DB.Write.DB.ExecContext(ctx, "SELECT 1 FROM "+quote(c.DB.Dialect, CheckpointTable)+" WHERE 1 = 0")
	return err == nil
}

// mark is a watermark value as stored: its type and text.
type mark struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Load returns the watermark, or nil when the pipeline has none yet. It
// changes nothing: the table is created by the first save.
func (c *Checkpoint) Load(ctx context.Context) ([]any, error) {
	var text string
	load := func() error {
		return c.DB.Write.DB.QueryRowContext(ctx, "SELECT watermark FROM "+quote(c.DB.Dialect, CheckpointTable)+
			" WHERE name = "+param(c.DB.Dialect, 1), c.Name).Scan(&text)
	}
	err := load()
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		if !c.exists(ctx) {
			return nil, nil // no table yet: no checkpoint
		}
		err = load() // the table may have been created meanwhile
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint %q: load: %w", c.Name, err)
	}
	var marks []mark
	if err := json.Unmarshal([]byte(text), &marks); err != nil || len(marks) != len(c.Fields) {
		return nil, fmt.Errorf("checkpoint %q: stored watermark %q does not fit fields %v", c.Name, text, c.Fields)
	}
	values := make([]any, len(marks))
	for i, m := range marks {
		t, err := etl.ParseType(m.Type)
		if err == nil {
			values[i], err = etl.Convert(m.Value, t, time.RFC3339Nano)
		}
		if err != nil {
			return nil, fmt.Errorf("checkpoint %q: field %q: %w", c.Name, c.Fields[i], err)
		}
	}
	return values, nil
}

// Reset forgets the watermark: the next run reads everything.
func (c *Checkpoint) Reset(ctx context.Context) error {
	if !c.exists(ctx) {
		return nil
	}
	_, err := c.DB.Write.DB.ExecContext(ctx, "DELETE FROM "+quote(c.DB.Dialect, CheckpointTable)+" WHERE name = "+param(c.DB.Dialect, 1), c.Name)
	return err
}

// save records the watermark of row in tx.
func (c *Checkpoint) save(ctx context.Context, tx *sql.Tx, row etl.Row, idx []int) error {
	query, args, err := c.saveStatement(row, idx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("checkpoint %q: save: %w", c.Name, err)
	}
	return nil
}

// saveStatement is the statement that records the watermark of row.
func (c *Checkpoint) saveStatement(row etl.Row, idx []int) (string, []any, error) {
	marks := make([]mark, len(idx))
	for i, j := range idx {
		if row[j] == nil {
			return "", nil, fmt.Errorf("checkpoint %q: watermark field %q is null", c.Name, c.Fields[i])
		}
		marks[i] = mark{Type: etl.TypeOf(row[j]).String(), Value: etl.Text(row[j], time.RFC3339Nano)}
	}
	text, err := json.Marshal(marks)
	if err != nil {
		return "", nil, err
	}
	d := c.DB.Dialect
	upsert := " ON CONFLICT (name) DO UPDATE SET watermark = excluded.watermark, updated_at = excluded.updated_at"
	if d == sqldb.MySQL {
		upsert = " ON DUPLICATE KEY UPDATE watermark = VALUES(watermark), updated_at = VALUES(updated_at)"
	}
	query := "INSERT INTO " + quote(d, CheckpointTable) + " (name, watermark, updated_at) VALUES (" +
		param(c.DB.Dialect, 1) + ", " + param(c.DB.Dialect, 2) + ", " + param(c.DB.Dialect, 3) + ")" + upsert
	return query, []any{c.Name, string(text), time.Now().UTC().Format(time.RFC3339Nano)}, nil
}

// filter wraps a query to read the rows after mark, in watermark order.
func (c *Checkpoint) filter(d sqldb.Dialect, query string, args []any, mark []any) (string, []any) {
	cols := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		cols[i] = "w." + quote(d, f)
	}
	tuple := "(" + strings.Join(cols, ", ") + ")"
	var b strings.Builder
	b.WriteString("SELECT * FROM (\n" + query + "\n) w")
	if mark != nil {
		ph := placeholders{dialect: d, n: len(args)}
		b.WriteString(" WHERE " + tuple + " > (")
		for i := range mark {
			if i > 0 {
				b.WriteString(", ")
			}
			ph.next(&b)
		}
		b.WriteString(")")
		args = append([]any(nil), args...)
		for _, v := range mark {
			args = append(args, bindable(d, v))
		}
	}
	b.WriteString(" ORDER BY " + strings.Join(cols, ", "))
	return b.String(), args
}

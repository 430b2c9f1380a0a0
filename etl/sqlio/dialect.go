package sqlio

import (
	"strconv"
	"strings"
	"time"

	"github.com/articlekit/articlekit/articles/sqldb"
)

// quote quotes an identifier, schema-qualified ones part by part.
func quote(d sqldb.Dialect, name string) string {
	q := `"`
	if d == sqldb.MySQL {
		q = "`"
	}
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = q + strings.ReplaceAll(p, q, q+q) + q
	}
	return strings.Join(parts, ".")
}

// placeholders writes the n-th (1-based) bind parameter.
type placeholders struct {
	dialect sqldb.Dialect
	n       int
}

func (p *placeholders) next(b *strings.Builder) {
	p.n++
	b.WriteString(param(p.dialect, p.n))
}

// param is the n-th (1-based) bind parameter in dialect d.
func param(d sqldb.Dialect, n int) string {
	if d == sqldb.Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// bindable adapts a value for binding: SQLite keeps times as text, which
// sorts in time order only when every time has one offset, so times go
// in UTC.
func bindable(d sqldb.Dialect, v any) any {
	if t, ok := v.(time.Time); ok && d == sqldb.SQLite {
		return t.UTC()
	}
	return v
}

// maxParams is how many bind parameters one statement may carry.
func maxParams(d sqldb.Dialect) int {
	if d == sqldb.SQLite {
		return 32766
	}
	return 65535
}

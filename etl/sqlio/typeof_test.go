package sqlio

import (
	"testing"

	"github.com/articlekit/articlekit/etl"
)

func TestTypeOf(t *testing.T) {
	for sqlType, want := range map[string]etl.Type{
		"INTEGER": etl.Integer, "bigint": etl.Integer, "INT4": etl.Integer, "UNSIGNED BIGINT": etl.Integer, "INT UNSIGNED": etl.Integer,
		"INTERVAL": etl.Any, "POINT": etl.Any, "VARCHAR(20)": etl.String, "TEXT": etl.String, "DOUBLE PRECISION": etl.Number,
		"NUMERIC(10,2)": etl.Number, "FLOAT8": etl.Number, "TIMESTAMPTZ": etl.Time, "DATETIME": etl.Time, "BYTEA": etl.Binary,
		"BOOLEAN": etl.Boolean, "": etl.Any,
	} {
		if got := typeOf(sqlType); got != want {
			t.Errorf("typeOf(%q) = %s, want %s", sqlType, got, want)
		}
	}
}

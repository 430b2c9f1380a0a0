package ktr

import (
	"testing"
	"time"

	"github.com/articlekit/articlekit/etl"
)

func TestCondition(t *testing.T) {
	schema := etl.MustSchema(etl.Field{Name: "n", Type: etl.Integer}, etl.Field{Name: "s", Type: etl.String},
		etl.Field{Name: "m", Type: etl.Integer}, etl.Field{Name: "f", Type: etl.Number})
	row := etl.Row{int64(5), "Hello.World", nil, 2.0}
	exact := func(text, typ string) *exactValue { return &exactValue{Text: text, Type: typ} }
	atom := func(left, fn string, right *exactValue) *condition {
		return &condition{LeftValue: left, Function: fn, RightExact: right}
	}
	tests := []struct {
		name string
		c    *condition
		want bool
	}{
		{"=", atom("n", "=", exact("5", "Integer")), true},
		{"< across types", atom("n", "<", exact("5.5", "Number")), true},
		{"field to field", &condition{LeftValue: "n", Function: ">", RightValue: "m"}, true}, // null is lowest
		{"IS NULL", atom("m", "IS NULL", nil), true},
		{"IS NOT NULL", atom("m", "IS NOT NULL", nil), false},
		{"CONTAINS", atom("s", "CONTAINS", exact("o.W", "String")), true},
		{"STARTS WITH", atom("s", "STARTS WITH", exact("Hell", "String")), true},
		{"ENDS WITH", atom("s", "ENDS WITH", exact("world", "String")), false},
		{"LIKE quotes dots", atom("s", "LIKE", exact("Hello?World", "String")), true},
		{"LIKE must match whole", atom("s", "LIKE", exact("Hello", "String")), false},
		{"LIKE with %", atom("s", "LIKE", exact("%.W%", "String")), true},
		{"REGEXP whole match", atom("s", "REGEXP", exact(`H\w+\.World`, "String")), true},
		{"IN LIST", atom("n", "IN LIST", exact("4;5;6", "String")), true},
		{"a text constant takes the field's type", atom("n", "=", exact("5", "String")), true},
		{"and compares as a number", atom("n", ">", exact("10", "String")), false},
		{"IN LIST of numbers", atom("f", "IN LIST", exact("2.0;3.0", "String")), true},
		{"null left is false for text", atom("m", "CONTAINS", exact("", "String")), false},
		{"negated", &condition{Negate: true, LeftValue: "n", Function: "=", RightExact: exact("5", "Integer")}, false},
		{"TRUE", &condition{Function: "TRUE"}, true},
		{"left to right, no precedence: true OR x AND false", &condition{Conditions: []*condition{
			atom("n", "=", exact("5", "Integer")),
			{Operator: "OR", LeftValue: "n", Function: "=", RightExact: exact("1", "Integer")},
			{Operator: "AND", LeftValue: "n", Function: "=", RightExact: exact("2", "Integer")},
		}}, false},
		{"AND NOT, XOR", &condition{Conditions: []*condition{
			atom("n", "=", exact("5", "Integer")),
			{Operator: "AND NOT", LeftValue: "m", Function: "IS NOT NULL"},
			{Operator: "XOR", LeftValue: "s", Function: "IS NULL"},
		}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eval, err := conditionExpr{tt.c}.Bind(schema)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := eval(row); err != nil || got != tt.want {
				t.Fatalf("= %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	for _, bad := range []*condition{
		atom("nope", "=", exact("1", "Integer")),
		atom("n", "=", exact("x", "Integer")),
		atom("s", "REGEXP", exact("(", "String")),
		atom("s", "REGEXP", exact(`(?=x)`, "String")),
	} {
		if _, err := (conditionExpr{bad}).Bind(schema); err == nil {
			t.Errorf("Bind(%+v) succeeded", bad)
		}
	}
}

func TestGoLayout(t *testing.T) {
	at := time.Date(2026, 3, 4, 15, 6, 7, 890_000_000, time.UTC)
	for mask, want := range map[string]string{
		defaultDateMask:         "2026/03/04 15:06:07.890",
		"yyyy-MM-dd'T'HH:mm:ss": "2026-03-04T15:06:07",
		"dd.MM.yy hh:mm a":      "04.03.26 03:06 PM",
		"EEE, d MMM yyyy":       "Wed, 4 Mar 2026",
		"yyyyMMdd''HHmm":        "20260304'1506",
	} {
		layout, err := goLayout(mask)
		if err != nil || at.Format(layout) != want {
			t.Errorf("goLayout(%q) = %q (%v): formats %q, want %q", mask, layout, err, at.Format(layout), want)
		}
	}
	for _, bad := range []string{"yyyy-MM-dd 'unclosed", "yyyy Q"} {
		if _, err := goLayout(bad); err == nil {
			t.Errorf("goLayout(%q) succeeded", bad)
		}
	}
}

func TestCalculations(t *testing.T) {
	tests := []struct {
		calc    string
		a, b, c any
		want    any
	}{
		{"ADD", int64(2), int64(3), nil, int64(5)},
		{"ADD", 2.5, int64(1), nil, 3.5},
		{"ADD", "ab", "cd", nil, "abcd"},
		{"ADD", nil, int64(1), nil, nil},
		{"SUBTRACT", 21.0, int64(1), nil, 20.0},
		{"MULTIPLY", int64(6), int64(7), nil, int64(42)},
		{"DIVIDE", int64(7), int64(2), nil, 3.5},
		{"PERCENT_1", 25.0, 200.0, nil, 12.5},
		{"PERCENT_2", 200.0, 10.0, nil, 180.0},
		{"PERCENT_3", 200.0, 10.0, nil, 220.0},
		{"COMBINATION_1", 1.0, 2.0, 3.0, 7.0},
		{"COMBINATION_2", 3.0, 4.0, nil, 5.0},
		{"ROUND_1", 2.5, nil, nil, 3.0},
		{"ROUND_1", 0.5, nil, nil, 1.0},
		{"ROUND_1", -2.5, nil, nil, -2.0},
		{"ROUND_STD_1", -2.5, nil, nil, -3.0},
		{"ROUND_STD_1", 2.5, nil, nil, 3.0},
		{"ROUND_2", 2.25, int64(1), nil, 2.3},
		{"ROUND_2", -2.25, int64(1), nil, -2.2},
		{"ROUND_STD_2", -2.25, int64(1), nil, -2.3},
		{"ROUND_STD_2", 1.005, int64(2), nil, 1.01},
		{"ROUND_2", 1234.5, int64(-2), nil, 1200.0},
		{"CEIL", 1.1, nil, nil, 2.0},
		{"ABS", int64(-4), nil, nil, int64(4)},
		{"REMAINDER", int64(7), int64(3), nil, int64(1)},
		{"NVL", nil, "x", nil, "x"},
		{"ADD3", int64(1), int64(2), int64(3), int64(6)},
		{"INIT_CAP", "hello wORLD", nil, nil, "Hello World"},
		{"UPPER_CASE", "abc", nil, nil, "ABC"},
		{"GET_ONLY_DIGITS", "a1b2", nil, nil, "12"},
		{"REMOVE_CRLF", "a\r\nb", nil, nil, "ab"},
		{"STRING_LEN", "héllo", nil, nil, int64(5)},
		{"ADD_DAYS", time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), int64(1), nil, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"MONTH_OF_DATE", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), nil, nil, int64(7)},
	}
	for _, tt := range tests {
		got, err := calcFuncs[tt.calc].fn(tt.a, tt.b, tt.c)
		if err != nil || got != tt.want {
			t.Errorf("%s(%v, %v, %v) = %v (%T), %v; want %v (%T)", tt.calc, tt.a, tt.b, tt.c, got, got, err, tt.want, tt.want)
		}
	}
	for _, bad := range []struct {
		calc string
		a, b any
	}{{"REMAINDER", int64(1), int64(0)}, {"DIVIDE", int64(1), int64(0)}, {"ABS", int64(-1 << 63), nil}, {"ADD", 1.0, "x"}} {
		if _, err := calcFuncs[bad.calc].fn(bad.a, bad.b, nil); err == nil {
			t.Errorf("%s(%v, %v) succeeded", bad.calc, bad.a, bad.b)
		}
	}
}

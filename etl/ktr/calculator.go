package ktr

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/step"
)

// calcFunc computes a Calculator field from the values of fields A, B, C.
type calcFunc struct {
	args   int      // how many of A, B, C it reads
	result etl.Type // Kettle's result type when the file names none
	fn     func(a, b, c any) (any, error)
}

// calcFuncs are the Calculator functions ArticleKit runs: the arithmetic,
// string and simple date ones.
var calcFuncs = map[string]calcFunc{
	"COPY_FIELD":    {1, etl.Any, func(a, _, _ any) (any, error) { return a, nil }},
	"ADD":           {2, etl.Number, func(a, b, _ any) (any, error) { return plus(a, b) }},
	"ADD3":          {3, etl.Number, add3},
	"SUBTRACT":      {2, etl.Number, numeric(func(a, b float64) float64 { return a - b }, intOp(func(a, b int64) int64 { return a - b }))},
	"MULTIPLY":      {2, etl.Number, numeric(func(a, b float64) float64 { return a * b }, intOp(func(a, b int64) int64 { return a * b }))},
	"DIVIDE":        {2, etl.Number, divide},
	"SQUARE":        {1, etl.Number, unary(func(a float64) float64 { return a * a })},
	"SQUARE_ROOT":   {1, etl.Number, unary(math.Sqrt)},
	"PERCENT_1":     {2, etl.Number, numeric(func(a, b float64) float64 { return 100 * a / b }, nil)},
	"PERCENT_2":     {2, etl.Number, numeric(func(a, b float64) float64 { return a - a*b/100 }, nil)},
	"PERCENT_3":     {2, etl.Number, numeric(func(a, b float64) float64 { return a + a*b/100 }, nil)},
	"COMBINATION_1": {3, etl.Number, combination1},
	"COMBINATION_2": {2, etl.Number, numeric(math.Hypot, nil)},
	"ROUND_1":       {1, etl.Integer, unary(func(a float64) float64 { return roundDecimal(a, 0, false) })},
	"ROUND_2":       {2, etl.Number, roundTo(false)},
	"ROUND_STD_1":   {1, etl.Integer, unary(func(a float64) float64 { return roundDecimal(a, 0, true) })},
	"ROUND_STD_2":   {2, etl.Number, roundTo(true)},
	"CEIL":          {1, etl.Integer, unary(math.Ceil)},
	"FLOOR":         {1, etl.Integer, unary(math.Floor)},
	"ABS":           {1, etl.Number, abs},
	"REMAINDER":     {2, etl.Number, numeric(math.Mod, remainder)},
	"NVL": {2, etl.Any, func(a, b, _ any) (any, error) {
		if a == nil {
			return b, nil
		}
		return a, nil
	}},
	"UPPER_CASE":      {1, etl.String, text(strings.ToUpper)},
	"LOWER_CASE":      {1, etl.String, text(strings.ToLower)},
	"INIT_CAP":        {1, etl.String, text(initCap)},
	"REMOVE_CR":       {1, etl.String, text(strings.NewReplacer("\r", "").Replace)},
	"REMOVE_LF":       {1, etl.String, text(strings.NewReplacer("\n", "").Replace)},
	"REMOVE_CRLF":     {1, etl.String, text(strings.NewReplacer("\r", "", "\n", "").Replace)},
	"REMOVE_TAB":      {1, etl.String, text(strings.NewReplacer("\t", "").Replace)},
	"GET_ONLY_DIGITS": {1, etl.String, text(keep(unicode.IsDigit))},
	"REMOVE_DIGITS":   {1, etl.String, text(keep(func(r rune) bool { return !unicode.IsDigit(r) }))},
	"STRING_LEN": {1, etl.Integer, func(a, _, _ any) (any, error) {
		if a == nil {
			return nil, nil
		}
		return int64(len([]rune(etl.Text(a, "")))), nil
	}},
	"ADD_DAYS":      {2, etl.Time, addToDate(func(t time.Time, n int64) time.Time { return t.AddDate(0, 0, int(n)) })},
	"ADD_MONTHS":    {2, etl.Time, addToDate(func(t time.Time, n int64) time.Time { return t.AddDate(0, int(n), 0) })},
	"ADD_HOURS":     {2, etl.Time, addToDate(func(t time.Time, n int64) time.Time { return t.Add(time.Duration(n) * time.Hour) })},
	"ADD_MINUTES":   {2, etl.Time, addToDate(func(t time.Time, n int64) time.Time { return t.Add(time.Duration(n) * time.Minute) })},
	"ADD_SECONDS":   {2, etl.Time, addToDate(func(t time.Time, n int64) time.Time { return t.Add(time.Duration(n) * time.Second) })},
	"YEAR_OF_DATE":  {1, etl.Integer, datePart(func(t time.Time) int { return t.Year() })},
	"MONTH_OF_DATE": {1, etl.Integer, datePart(func(t time.Time) int { return int(t.Month()) })},
	"DAY_OF_MONTH":  {1, etl.Integer, datePart(time.Time.Day)},
	"DAY_OF_YEAR":   {1, etl.Integer, datePart(time.Time.YearDay)},
	"HOUR_OF_DAY":   {1, etl.Integer, datePart(time.Time.Hour)},
}

// number reads a numeric argument: its float value, whether it is an
// integer, and whether it is null.
func number(v any) (f float64, i int64, isInt, null bool, err error) {
	switch x := v.(type) {
	case nil:
		return 0, 0, false, true, nil
	case int64:
		return float64(x), x, true, false, nil
	case float64:
		return x, 0, false, false, nil
	}
	n, err := etl.Convert(v, etl.Number, "")
	if err != nil {
		return 0, 0, false, false, err
	}
	return n.(float64), 0, false, false, nil
}

// numeric lifts an operation on numbers to row values: null in, null out;
// integers stay integers when onInts is given.
func numeric(onFloats func(a, b float64) float64, onInts func(a, b int64) (int64, error)) func(a, b, _ any) (any, error) {
	return func(a, b, _ any) (any, error) {
		fa, ia, intA, nullA, err := number(a)
		if err != nil {
			return nil, err
		}
		fb, ib, intB, nullB, err := number(b)
		if err != nil || nullA || nullB {
			return nil, err
		}
		if onInts != nil && intA && intB {
			return onInts(ia, ib)
		}
		return onFloats(fa, fb), nil
	}
}

func intOp(op func(a, b int64) int64) func(a, b int64) (int64, error) {
	return func(a, b int64) (int64, error) { return op(a, b), nil }
}

func remainder(a, b int64) (int64, error) {
	if b == 0 {
		return 0, errors.New("division by zero")
	}
	return a % b, nil
}

// plus adds numbers and concatenates text, as Kettle's A + B does: A's
// type decides.
func plus(a, b any) (any, error) {
	if _, text := a.(string); text {
		if b == nil {
			return nil, nil
		}
		return a.(string) + etl.Text(b, ""), nil
	}
	return numeric(func(a, b float64) float64 { return a + b }, intOp(func(a, b int64) int64 { return a + b }))(a, b, nil)
}

func add3(a, b, c any) (any, error) {
	ab, err := plus(a, b)
	if err != nil {
		return nil, err
	}
	return plus(ab, c)
}

func combination1(a, b, c any) (any, error) {
	bc, err := numeric(func(b, c float64) float64 { return b * c }, nil)(b, c, nil)
	if err != nil {
		return nil, err
	}
	return numeric(func(a, bc float64) float64 { return a + bc }, nil)(a, bc, nil)
}

func divide(a, b, _ any) (any, error) {
	_, ib, intB, nullB, err := number(b)
	if err != nil || nullB {
		return nil, err
	}
	if intB && ib == 0 {
		if _, isInt := a.(int64); isInt {
			return nil, errors.New("division by zero")
		}
	}
	return numeric(func(a, b float64) float64 { return a / b }, nil)(a, b, nil)
}

func unary(op func(float64) float64) func(a, _, _ any) (any, error) {
	return func(a, _, _ any) (any, error) {
		return numeric(func(a, _ float64) float64 { return op(a) }, nil)(a, int64(0), nil)
	}
}

func roundTo(awayFromZero bool) func(a, b, _ any) (any, error) {
	return numeric(func(a, places float64) float64 {
		return roundDecimal(a, int64(max(-300, min(300, places))), awayFromZero)
	}, nil)
}

// roundDecimal rounds x to places decimals as Kettle does, in decimal
// arithmetic on the shortest text that reads back as x (so 1.005 is
// 1.005, not 1.00499…): halves go up (ROUND, Java's Math.round and
// HALF_CEILING) or, with awayFromZero, away from zero (ROUND_STD, HALF_UP).
func roundDecimal(x float64, places int64, awayFromZero bool) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(x, 'f', -1, 64))
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(max(places, -places)), nil))
	if places < 0 {
		scale.Inv(scale)
	}
	r.Mul(r, scale)
	negative := awayFromZero && r.Sign() < 0
	if negative {
		r.Neg(r)
	}
	r.Add(r, big.NewRat(1, 2))
	floor := new(big.Int).Div(r.Num(), r.Denom()) // Euclidean: the floor, the denominator being positive
	r.SetInt(floor)
	if negative {
		r.Neg(r)
	}
	f, _ := r.Quo(r, scale).Float64()
	return f
}

func abs(a, _, _ any) (any, error) {
	if i, ok := a.(int64); ok {
		if i == math.MinInt64 {
			return nil, errors.New("abs: integer overflow")
		}
		if i < 0 {
			i = -i
		}
		return i, nil
	}
	return unary(math.Abs)(a, nil, nil)
}

func text(op func(string) string) func(a, _, _ any) (any, error) {
	return func(a, _, _ any) (any, error) {
		if a == nil {
			return nil, nil
		}
		return op(etl.Text(a, "")), nil
	}
}

func keep(want func(rune) bool) func(string) string {
	return func(s string) string {
		return strings.Map(func(r rune) rune {
			if want(r) {
				return r
			}
			return -1
		}, s)
	}
}

// initCap capitalizes the first letter of every word and lowers the rest.
func initCap(s string) string {
	prev := ' '
	return strings.Map(func(r rune) rune {
		defer func() { prev = r }()
		if unicode.IsLetter(prev) || unicode.IsDigit(prev) {
			return unicode.ToLower(r)
		}
		return unicode.ToTitle(r)
	}, s)
}

func addToDate(add func(time.Time, int64) time.Time) func(a, b, _ any) (any, error) {
	return func(a, b, _ any) (any, error) {
		if a == nil || b == nil {
			return nil, nil
		}
		t, err := etl.Convert(a, etl.Time, "")
		if err != nil {
			return nil, err
		}
		n, err := etl.Convert(b, etl.Integer, "")
		if err != nil {
			return nil, err
		}
		return add(t.(time.Time), n.(int64)), nil
	}
}

func datePart(part func(time.Time) int) func(a, _, _ any) (any, error) {
	return func(a, _, _ any) (any, error) {
		if a == nil {
			return nil, nil
		}
		t, err := etl.Convert(a, etl.Time, "")
		if err != nil {
			return nil, err
		}
		return int64(part(t.(time.Time))), nil
	}
}

// calculator turns a Calculator step into a Compute step.
func calculator(m *calculatorMeta, vars Variables) (etl.Step, error) {
	c := step.Compute{}
	var unsupported []string
	for _, calc := range m.Calculations {
		typ, err := fieldType(calc.ValueType)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", calc.FieldName, err)
		}
		layout, err := goLayout(calc.ConversionMask)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", calc.FieldName, err)
		}
		var value step.Expression
		if calc.CalcType == "CONSTANT" {
			constant := vars.Expand(calc.FieldA)
			value = step.Func{Fn: func([]any) (any, error) { return constant, nil }}
			if typ == etl.Any {
				typ = etl.String
			}
		} else {
			f, ok := calcFuncs[calc.CalcType]
			if !ok {
				unsupported = append(unsupported, fmt.Sprintf("%s (%s)", calc.FieldName, calc.CalcType))
				continue
			}
			fields := []string{calc.FieldA, calc.FieldB, calc.FieldC}[:f.args]
			for i, name := range fields {
				if name == "" {
					return nil, fmt.Errorf("field %q: %s needs field %c", calc.FieldName, calc.CalcType, 'A'+i)
				}
			}
			value = step.Func{Fields: fields, Fn: func(args []any) (any, error) {
				var abc [3]any
				copy(abc[:], args)
				return f.fn(abc[0], abc[1], abc[2])
			}}
			if typ == etl.Any {
				typ = f.result
			}
		}
		c.Fields = append(c.Fields, step.Computed{Name: calc.FieldName, Type: typ, Value: value, Layout: layout})
		if calc.RemovedFromResult {
			c.Remove = append(c.Remove, calc.FieldName)
		}
	}
	if len(unsupported) > 0 {
		return nil, fmt.Errorf("calculations not supported: %s", strings.Join(unsupported, ", "))
	}
	return c, nil
}

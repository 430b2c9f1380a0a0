package etl

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrConversion marks a value that cannot take the type asked for.
var ErrConversion = errors.New("cannot convert")

// timeLayouts are the text forms Convert reads times in, after an explicit
// layout: RFC 3339 and the usual SQL forms.
var timeLayouts = []string{
	time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999", "2006/01/02 15:04:05.999999999", "2006-01-02", "2006/01/02",
}

// Convert returns v as a value of type t. Go's other integer and float
// kinds become int64 and float64; text is parsed (times by layout when
// one is given, otherwise as RFC 3339 or SQL text; binary as base64); nil
// stays nil.
func Convert(v any, t Type, layout string) (any, error) {
	v = Normalize(v)
	if v == nil || t == Any {
		return v, nil
	}
	out, err := convert(v, t, layout)
	if err != nil {
		return nil, fmt.Errorf("%w %T %s to %s: %w", ErrConversion, v, clip(v), t, err)
	}
	return out, nil
}

func convert(v any, t Type, layout string) (any, error) {
	switch t {
	case String:
		return Text(v, layout), nil
	case Integer:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if math.IsNaN(x) || x >= math.MaxInt64 || x < math.MinInt64 {
				return nil, errors.New("out of range")
			}
			return int64(math.Round(x)), nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case string:
			return strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		case []byte:
			return strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64)
		}
	case Number:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			return strconv.ParseFloat(strings.TrimSpace(x), 64)
		case []byte:
			return strconv.ParseFloat(strings.TrimSpace(string(x)), 64)
		}
	case Boolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case string:
			return parseBool(x)
		case []byte:
			return parseBool(string(x))
		}
	case Time:
		switch x := v.(type) {
		case time.Time:
			return x, nil
		case string:
			return parseTime(x, layout)
		case []byte:
			return parseTime(string(x), layout)
		case int64:
			return time.UnixMilli(x).UTC(), nil
		}
	case Binary:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return base64.StdEncoding.DecodeString(x) // as Text writes it
		}
	}
	return nil, errors.New("no conversion")
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "y", "yes", "true", "t", "1":
		return true, nil
	case "n", "no", "false", "f", "0":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

func parseTime(s, layout string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if layout != "" {
		return time.Parse(layout, s)
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a time (want RFC 3339 or YYYY-MM-DD[ hh:mm:ss])")
}

// Text formats a value as text: times by layout (RFC 3339 when empty),
// numbers in their shortest exact form, binary as base64.
func Text(v any, layout string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if layout == "" {
			layout = time.RFC3339Nano
		}
		return x.Format(layout)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	default:
		return fmt.Sprint(x)
	}
}

// clip quotes a value for an error message, shortened.
func clip(v any) string {
	s := Text(v, "")
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// Normalize turns Go's integer and float kinds into the row value types
// int64 and float64 (a uint64 beyond int64 becomes float64); other values
// are returned as they are.
func Normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint:
		return normalizeUint(uint64(x))
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return normalizeUint(x)
	case float32:
		return float64(x)
	}
	return v
}

func normalizeUint(u uint64) any {
	if u > math.MaxInt64 {
		return float64(u)
	}
	return int64(u)
}

// TypeOf returns the Type of a row value (Any for nil or a foreign type).
func TypeOf(v any) Type {
	switch v.(type) {
	case string:
		return String
	case int64:
		return Integer
	case float64:
		return Number
	case bool:
		return Boolean
	case time.Time:
		return Time
	case []byte:
		return Binary
	}
	return Any
}

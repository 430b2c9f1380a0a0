package etl

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"strings"
	"time"
)

// Compare orders two values of one field: nulls first, then by value;
// values of different types by type. With fold, text compares ignoring
// case.
func Compare(a, b any, fold bool) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		default:
			return 1
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			if fold {
				return cmp.Compare(strings.ToLower(x), strings.ToLower(y))
			}
			return strings.Compare(x, y)
		}
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y)
		case float64:
			return cmp.Compare(float64(x), y)
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmp.Compare(x, y)
		case int64:
			return cmp.Compare(x, float64(y))
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp.Compare(boolInt(x), boolInt(y))
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y)
		}
	}
	return cmp.Compare(TypeOf(a), TypeOf(b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// appendKey appends an unambiguous encoding of v to buf: equal values, and
// only they, encode alike, so encodings serve as map keys. Integers and
// whole numbers encode alike, as Compare finds them equal.
func appendKey(buf []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(buf, 0)
	case string:
		buf = append(buf, 1)
		buf = binary.AppendUvarint(buf, uint64(len(x)))
		return append(buf, x...)
	case int64:
		return binary.AppendVarint(append(buf, 2), x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
			return binary.AppendVarint(append(buf, 2), int64(x))
		}
		return binary.BigEndian.AppendUint64(append(buf, 3), math.Float64bits(x))
	case bool:
		return append(buf, 4, byte(boolInt(x)))
	case time.Time:
		return binary.AppendUvarint(binary.AppendVarint(append(buf, 5), x.Unix()), uint64(x.Nanosecond()))
	case []byte:
		buf = append(buf, 6)
		buf = binary.AppendUvarint(buf, uint64(len(x)))
		return append(buf, x...)
	default:
		s := Text(x, "")
		buf = append(buf, 7)
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		return append(buf, s...)
	}
}

// AppendKey appends an encoding of the values of row at idx to buf: rows
// whose values compare equal there, and only they, encode alike, so the
// encodings serve as map keys.
func AppendKey(buf []byte, row Row, idx []int) []byte {
	for _, i := range idx {
		buf = appendKey(buf, row[i])
	}
	return buf
}

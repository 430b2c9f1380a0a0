package ktr

import (
	"fmt"
	"strings"

	"github.com/articlekit/articlekit/etl"
)

// fieldType maps a Kettle value type to a field type.
func fieldType(kettle string) (etl.Type, error) {
	switch strings.ToLower(strings.TrimSpace(kettle)) {
	case "string", "internet address":
		return etl.String, nil
	case "integer":
		return etl.Integer, nil
	case "number", "bignumber":
		return etl.Number, nil
	case "date", "timestamp":
		return etl.Time, nil
	case "boolean":
		return etl.Boolean, nil
	case "binary":
		return etl.Binary, nil
	case "", "none", "-":
		return etl.Any, nil
	}
	return etl.Any, fmt.Errorf("unknown Kettle type %q", kettle)
}

// defaultDateMask is how Kettle writes and reads dates without a mask.
const defaultDateMask = "yyyy/MM/dd HH:mm:ss.SSS"

// goLayout translates a Java SimpleDateFormat pattern to a Go time layout.
// Number masks (#, 0, …) are not dates: they give "".
func goLayout(mask string) (string, error) {
	if mask == "" || strings.ContainsAny(mask, "#") {
		return "", nil
	}
	var b strings.Builder
	for i := 0; i < len(mask); {
		c := mask[i]
		n := 1
		for i+n < len(mask) && mask[i+n] == c {
			n++
		}
		switch {
		case c == '\'':
			end := strings.IndexByte(mask[i+1:], '\'')
			if end < 0 {
				return "", fmt.Errorf("date mask %q: unclosed quote", mask)
			}
			if end == 0 {
				b.WriteByte('\'')
			}
			b.WriteString(mask[i+1 : i+1+end])
			i += end + 2
			continue
		case c == 'y' && n == 2:
			b.WriteString("06")
		case c == 'y':
			b.WriteString("2006")
		case c == 'M' && n >= 4:
			b.WriteString("January")
		case c == 'M' && n == 3:
			b.WriteString("Jan")
		case c == 'M' && n == 2:
			b.WriteString("01")
		case c == 'M':
			b.WriteString("1")
		case c == 'd' && n >= 2:
			b.WriteString("02")
		case c == 'd':
			b.WriteString("2")
		case c == 'H':
			b.WriteString("15")
		case c == 'h' && n >= 2:
			b.WriteString("03")
		case c == 'h':
			b.WriteString("3")
		case c == 'm' && n >= 2:
			b.WriteString("04")
		case c == 'm':
			b.WriteString("4")
		case c == 's' && n >= 2:
			b.WriteString("05")
		case c == 's':
			b.WriteString("5")
		case c == 'S':
			b.WriteString(strings.Repeat("0", n))
		case c == 'a':
			b.WriteString("PM")
		case c == 'E' && n >= 4:
			b.WriteString("Monday")
		case c == 'E':
			b.WriteString("Mon")
		case c == 'Z':
			b.WriteString("-0700")
		case c == 'X' && n >= 3:
			b.WriteString("Z07:00")
		case c == 'X':
			b.WriteString("Z0700")
		case c == 'z':
			b.WriteString("MST")
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			return "", fmt.Errorf("date mask %q: letter %q is not supported", mask, c)
		default:
			b.WriteString(mask[i : i+n])
		}
		i += n
	}
	return b.String(), nil
}

// parseValue reads a text value of a Kettle type, as the DataGrid,
// Constant and RowGenerator steps hold them. Empty text is null unless
// emptyString, and for strings only.
func parseValue(text, kettleType, mask, decimal, group string, emptyString bool) (any, error) {
	t, err := fieldType(kettleType)
	if err != nil {
		return nil, err
	}
	if text == "" {
		if emptyString && t == etl.String {
			return "", nil
		}
		return nil, nil
	}
	switch t {
	case etl.Number, etl.Integer:
		if group != "" {
			text = strings.ReplaceAll(text, group, "")
		}
		if decimal != "" && decimal != "." {
			text = strings.ReplaceAll(text, decimal, ".")
		}
	case etl.Time:
		if mask == "" {
			mask = defaultDateMask
		}
		layout, err := goLayout(mask)
		if err != nil {
			return nil, err
		}
		return etl.Convert(text, etl.Time, layout)
	}
	return etl.Convert(text, t, "")
}

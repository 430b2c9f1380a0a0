package ktr

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Variables resolve ${NAME} and %%NAME%% references, as Kettle does.
type Variables map[string]string

// Expand replaces ${NAME} and %%NAME%% with their values. References to
// unknown names are left as they are, as Kettle leaves them. Values are not
// expanded again, so a value that refers to itself is harmless. Kettle's
// $[hex] escapes are not supported.
func (v Variables) Expand(s string) string {
	var b strings.Builder
	done := 0 // s[:done] is in b
	references(s, func(start, end int, name string) {
		if value, ok := v[name]; ok {
			b.WriteString(s[done:start])
			b.WriteString(value)
			done = end
		}
	})
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// missing lists, once each and in order, the names s refers to that have no
// value.
func (v Variables) missing(s string) []string {
	var missing []string
	seen := map[string]bool{}
	references(s, func(_, _ int, name string) {
		if _, ok := v[name]; !ok && !seen[name] {
			seen[name] = true
			missing = append(missing, name)
		}
	})
	return missing
}

// references calls fn with the bounds and name of each ${NAME} and
// %%NAME%% in s, in order. Empty names are not references.
func references(s string, fn func(start, end int, name string)) {
	// Knowing where the last closers are avoids searching, again and again,
	// for closers that are not there: the scan stays linear.
	lastBrace := strings.LastIndexByte(s, '}')
	lastPercents := strings.LastIndex(s, "%%")
	for i := 0; i+1 < len(s); i++ {
		var k, closer int
		switch {
		case s[i] == '$' && s[i+1] == '{' && lastBrace >= i+2:
			k, closer = strings.IndexByte(s[i+2:], '}'), 1
		case s[i] == '%' && s[i+1] == '%' && lastPercents >= i+2:
			k, closer = strings.Index(s[i+2:], "%%"), 2
		default:
			continue
		}
		if k == 0 {
			continue
		}
		end := i + 2 + k + closer
		fn(i, end, s[i+2:i+2+k])
		i = end - 1
	}
}

// ResolveVariables builds the variables for running t from, in increasing
// priority: the defaults of t's parameters, environ (in os.Environ's
// "NAME=value" form) and params, a Java-properties-style file of
// "NAME=value" (or "NAME: value") lines with '#' or '!' comments. params
// may be nil; backslash escapes and continuation lines are not supported.
func ResolveVariables(t *Transformation, environ []string, params io.Reader) (Variables, error) {
	vars := Variables{}
	if t != nil {
		for _, p := range t.Parameters {
			vars[p.Name] = p.Default
		}
	}
	for _, kv := range environ {
		if name, value, ok := strings.Cut(kv, "="); ok && name != "" {
			vars[name] = value
		}
	}
	if params == nil {
		return vars, nil
	}
	sc := bufio.NewScanner(params)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		// Like Java's Properties: leading blanks are dropped, trailing ones
		// belong to the value.
		line = strings.TrimLeft(line, " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			return nil, fmt.Errorf("ktr: params line %d: want NAME=value, got %q", n, line)
		}
		name := strings.TrimSpace(line[:i])
		if name == "" {
			return nil, fmt.Errorf("ktr: params line %d: empty name", n)
		}
		vars[name] = strings.TrimLeft(line[i+1:], " \t\f")
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ktr: read params: %w", err)
	}
	return vars, nil
}

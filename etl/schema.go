package etl

import (
	"fmt"
	"slices"
	"strings"
)

// Type is the type of a field's values. A Row holds, for each field, nil
// or a value of the Go type its Type names.
type Type uint8

// The field types.
const (
	// Any fields hold whatever their source produced: a SQL expression whose
	// type the driver does not report, say.
	Any     Type = iota
	String       // string
	Integer      // int64
	Number       // float64
	Boolean      // bool
	Time         // time.Time
	Binary       // []byte
)

var typeNames = [...]string{Any: "any", String: "string", Integer: "integer", Number: "number",
	Boolean: "boolean", Time: "time", Binary: "binary"}

// String returns the type's name, as ParseType accepts it.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", t)
}

// ParseType returns the type named name (case-insensitive).
func ParseType(name string) (Type, error) {
	if i := slices.Index(typeNames[:], strings.ToLower(strings.TrimSpace(name))); i >= 0 {
		return Type(i), nil
	}
	return Any, fmt.Errorf("etl: unknown type %q (want one of %s)", name, strings.Join(typeNames[:], ", "))
}

// Field describes one column of the rows a step emits.
type Field struct {
	Name string
	Type Type
}

// Schema is the layout of the rows on one stream: their fields, in order.
// It is immutable.
type Schema struct {
	fields []Field
	index  map[string]int
}

// NewSchema returns a schema of fields, which must have distinct, non-empty
// names.
func NewSchema(fields ...Field) (*Schema, error) {
	s := &Schema{fields: slices.Clone(fields), index: make(map[string]int, len(fields))}
	for i, f := range fields {
		if f.Name == "" {
			return nil, fmt.Errorf("etl: field %d has no name", i+1)
		}
		if _, dup := s.index[f.Name]; dup {
			return nil, fmt.Errorf("etl: field %q appears twice", f.Name)
		}
		s.index[f.Name] = i
	}
	return s, nil
}

// MustSchema is NewSchema for fields known to be valid; it panics otherwise.
func MustSchema(fields ...Field) *Schema {
	s, err := NewSchema(fields...)
	if err != nil {
		panic(err)
	}
	return s
}

// Len returns the number of fields.
func (s *Schema) Len() int { return len(s.fields) }

// Fields returns the fields, in order.
func (s *Schema) Fields() []Field { return slices.Clone(s.fields) }

// Field returns the i-th field.
func (s *Schema) Field(i int) Field { return s.fields[i] }

// Names returns the field names, in order.
func (s *Schema) Names() []string {
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = f.Name
	}
	return names
}

// Index returns the position of the field named name.
func (s *Schema) Index(name string) (int, bool) {
	i, ok := s.index[name]
	return i, ok
}

// Require returns the positions of the named fields, or an error naming
// every one that is missing.
func (s *Schema) Require(names ...string) ([]int, error) {
	idx := make([]int, len(names))
	var missing []string
	for i, n := range names {
		j, ok := s.index[n]
		if !ok {
			missing = append(missing, fmt.Sprintf("%q", n))
		}
		idx[i] = j
	}
	if missing != nil {
		return nil, &MissingFieldsError{Fields: missing, Have: s.Names()}
	}
	return idx, nil
}

// Append returns the schema with fields added at the end.
func (s *Schema) Append(fields ...Field) (*Schema, error) {
	return NewSchema(append(s.Fields(), fields...)...)
}

// Equal reports whether s and o have the same field names and types in the
// same order.
func (s *Schema) Equal(o *Schema) bool { return slices.Equal(s.fields, o.fields) }

// String describes the schema as name:type pairs.
func (s *Schema) String() string {
	parts := make([]string, len(s.fields))
	for i, f := range s.fields {
		parts[i] = f.Name + ":" + f.Type.String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// MissingFieldsError reports fields a step needs that its input lacks.
type MissingFieldsError struct {
	Fields []string // quoted
	Have   []string
}

func (e *MissingFieldsError) Error() string {
	return fmt.Sprintf("no field %s in the input (it has %s)", strings.Join(e.Fields, ", "), strings.Join(e.Have, ", "))
}

// Row is one record: a value per field of its stream's schema, in order.
// Rows are immutable once emitted: a step that changes a row emits a new
// one, because the same row may go to several steps.
type Row []any

package ktr

import (
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnsupportedStep is returned, wrapped, by Step.Decode for a step type
// this package does not know, and matches the error Check returns.
var ErrUnsupportedStep = errors.New("unsupported step type")

// decoders makes the metadata value Decode fills for each supported type.
var decoders = map[string]func() any{
	"TableInput":            func() any { return new(TableInputMeta) },
	"TableOutput":           func() any { return new(TableOutputMeta) },
	"InsertUpdate":          func() any { return new(InsertUpdateMeta) },
	"Update":                func() any { return new(UpdateMeta) },
	"Delete":                func() any { return new(DeleteMeta) },
	"SynchronizeAfterMerge": func() any { return new(SynchronizeAfterMergeMeta) },
	"MergeRows":             func() any { return new(MergeRowsMeta) },
	"SelectValues":          func() any { return new(SelectValuesMeta) },
	"FilterRows":            func() any { return new(FilterRowsMeta) },
	"Constant":              func() any { return new(ConstantMeta) },
	"ValueMapper":           func() any { return new(ValueMapperMeta) },
	"Calculator":            func() any { return new(CalculatorMeta) },
	"SortRows":              func() any { return new(SortRowsMeta) },
	"StreamLookup":          func() any { return new(StreamLookupMeta) },
	"Dummy":                 func() any { return new(DummyMeta) },
	"DataGrid":              func() any { return new(DataGridMeta) },
	"RowGenerator":          func() any { return new(RowGeneratorMeta) },
	"Rest":                  func() any { return new(RestMeta) },
}

// Supported reports whether Decode knows the step type.
func Supported(stepType string) bool {
	_, ok := decoders[stepType]
	return ok
}

// Decode decodes the step's type-specific settings into the *…Meta type
// named after Step.Type, such as *TableInputMeta for "TableInput". For a
// type Supported does not know, the error wraps ErrUnsupportedStep.
func (s Step) Decode() (any, error) {
	newMeta, ok := decoders[s.Type]
	if !ok {
		return nil, fmt.Errorf("ktr: step %q: %w %q", s.Name, ErrUnsupportedStep, s.Type)
	}
	if s.raw == nil {
		return nil, fmt.Errorf("ktr: step %q: no XML to decode (steps come from Parse)", s.Name)
	}
	meta := newMeta()
	if err := xml.Unmarshal(s.raw, meta); err != nil {
		return nil, fmt.Errorf("ktr: step %q (%s): %w", s.Name, s.Type, err)
	}
	if n, ok := meta.(interface{ normalize() error }); ok {
		if err := n.normalize(); err != nil {
			return nil, fmt.Errorf("ktr: step %q (%s): %w", s.Name, s.Type, err)
		}
	}
	return meta, nil
}

// UnsupportedStepsError lists every step of a transformation whose type
// Decode does not know.
type UnsupportedStepsError struct {
	Steps []Step
}

// Error lists the steps as "name" (Type).
func (e *UnsupportedStepsError) Error() string {
	list := make([]string, len(e.Steps))
	for i, s := range e.Steps {
		list[i] = fmt.Sprintf("%q (%s)", s.Name, s.Type)
	}
	return "ktr: unsupported steps: " + strings.Join(list, ", ")
}

// Unwrap lets errors.Is(err, ErrUnsupportedStep) match.
func (e *UnsupportedStepsError) Unwrap() error { return ErrUnsupportedStep }

// Check returns an *UnsupportedStepsError listing the steps whose type Decode
// does not know, whether or not a hop connects them, or nil when there are
// none.
func (t *Transformation) Check() error {
	var unsupported []Step
	for _, s := range t.Steps {
		if !Supported(s.Type) {
			unsupported = append(unsupported, s)
		}
	}
	if len(unsupported) > 0 {
		return &UnsupportedStepsError{Steps: unsupported}
	}
	return nil
}

// YesNo is a Kettle boolean: "Y" or "N" (also "true"/"false", as some steps
// write). An empty or absent element leaves the Go value as it was, which
// is how Kettle's per-field defaults are kept.
type YesNo bool

// UnmarshalXML implements xml.Unmarshaler.
func (b *YesNo) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var s string
	if err := d.DecodeElement(&s, &start); err != nil {
		return err
	}
	v, err := parseYesNo(s, bool(*b))
	if err != nil {
		return fmt.Errorf("<%s>: %w", start.Name.Local, err)
	}
	*b = v
	return nil
}

func parseYesNo(s string, def bool) (YesNo, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "":
		return YesNo(def), nil
	case "Y", "YES", "TRUE":
		return true, nil
	case "N", "NO", "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("%q is not Y or N", s)
}

// KeyField is a lookup key of the database output steps: rows match where
// table column Field compares with stream field Name by Condition.
type KeyField struct {
	Name      string `xml:"name"`      // stream field
	Field     string `xml:"field"`     // table column
	Condition string `xml:"condition"` // =, <>, <, <=, >, >=, LIKE, BETWEEN, IS NULL, IS NOT NULL; default =
	Name2     string `xml:"name2"`     // second stream field, for BETWEEN
}

// ValueField is a column the database output steps write: table column
// Name gets the value of stream field Rename (which defaults to Name).
type ValueField struct {
	Name   string `xml:"name"`   // table column
	Rename string `xml:"rename"` // stream field
	// Update is false for columns only inserted, never updated (default
	// true; Update steps have no such flag and always update).
	Update YesNo `xml:"update"`
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (v *ValueField) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain ValueField
	p := plain{Update: true}
	err := d.DecodeElement(&p, &start)
	*v = ValueField(p)
	if v.Rename == "" {
		v.Rename = v.Name
	}
	return err
}

func defaultConditions(keys []KeyField) {
	for i := range keys {
		if strings.TrimSpace(keys[i].Condition) == "" {
			keys[i].Condition = "="
		}
	}
}

// TableInputMeta is a "TableInput" step: rows from an SQL query.
type TableInputMeta struct {
	Connection      string `xml:"connection"`
	SQL             string `xml:"sql"`
	Limit           string `xml:"limit"` // row limit, 0 or empty for none; may hold ${VAR}
	VariablesActive YesNo  `xml:"variables_active"`
	ExecuteEachRow  YesNo  `xml:"execute_each_row"`
	// Lookup names the step whose rows supply the query's ? parameters.
	Lookup         string `xml:"lookup"`
	LazyConversion YesNo  `xml:"lazy_conversion_active"`
}

// TableOutputMeta is a "TableOutput" step: inserts rows into a table.
type TableOutputMeta struct {
	Connection    string `xml:"connection"`
	Schema        string `xml:"schema"`
	Table         string `xml:"table"`
	CommitSize    string `xml:"commit"` // may hold ${VAR}
	Truncate      YesNo  `xml:"truncate"`
	IgnoreErrors  YesNo  `xml:"ignore_errors"`
	UseBatch      YesNo  `xml:"use_batch"`
	SpecifyFields YesNo  `xml:"specify_fields"`
	// Fields map stream fields to columns when SpecifyFields is set.
	Fields []OutputField `xml:"fields>field"`
	// TableNameInField takes each row's table name from TableNameField;
	// TableNameInTable says whether that field is also written.
	TableNameInField YesNo  `xml:"tablename_in_field"`
	TableNameField   string `xml:"tablename_field"`
	TableNameInTable YesNo  `xml:"tablename_in_table"`
	ReturnKeys       YesNo  `xml:"return_keys"`
	ReturnField      string `xml:"return_field"`
}

// OutputField maps stream field Stream to table column Column.
type OutputField struct {
	Column string `xml:"column_name"`
	Stream string `xml:"stream_name"`
}

// InsertUpdateMeta is an "InsertUpdate" step: updates the row matching Keys,
// or inserts one.
type InsertUpdateMeta struct {
	Connection string `xml:"connection"`
	Schema     string `xml:"lookup>schema"`
	Table      string `xml:"lookup>table"`
	CommitSize string `xml:"commit"`
	// UpdateBypassed skips updates: rows are only inserted when missing.
	UpdateBypassed YesNo        `xml:"update_bypassed"`
	Keys           []KeyField   `xml:"lookup>key"`
	Values         []ValueField `xml:"lookup>value"`
}

func (m *InsertUpdateMeta) normalize() error { defaultConditions(m.Keys); return nil }

// UpdateMeta is an "Update" step: updates the rows matching Keys.
type UpdateMeta struct {
	Connection      string       `xml:"connection"`
	Schema          string       `xml:"lookup>schema"`
	Table           string       `xml:"lookup>table"`
	CommitSize      string       `xml:"commit"`
	UseBatch        YesNo        `xml:"use_batch"`
	ErrorIgnored    YesNo        `xml:"error_ignored"` // a missing row is not an error
	IgnoreFlagField string       `xml:"ignore_flag_field"`
	SkipLookup      YesNo        `xml:"skip_lookup"`
	Keys            []KeyField   `xml:"lookup>key"`
	Values          []ValueField `xml:"lookup>value"`
}

func (m *UpdateMeta) normalize() error { defaultConditions(m.Keys); return nil }

// DeleteMeta is a "Delete" step: deletes the rows matching Keys.
type DeleteMeta struct {
	Connection string     `xml:"connection"`
	Schema     string     `xml:"lookup>schema"`
	Table      string     `xml:"lookup>table"`
	CommitSize string     `xml:"commit"`
	Keys       []KeyField `xml:"lookup>key"`
}

func (m *DeleteMeta) normalize() error { defaultConditions(m.Keys); return nil }

// SynchronizeAfterMergeMeta is a "SynchronizeAfterMerge" step: inserts,
// updates or deletes each row as the value of OperationOrderField says
// (OrderInsert, OrderUpdate or OrderDelete; anything else is skipped).
type SynchronizeAfterMergeMeta struct {
	Connection          string       `xml:"connection"`
	Schema              string       `xml:"lookup>schema"`
	Table               string       `xml:"lookup>table"`
	CommitSize          string       `xml:"commit"`
	UseBatch            YesNo        `xml:"use_batch"`
	PerformLookup       YesNo        `xml:"perform_lookup"`
	TableNameInField    YesNo        `xml:"tablename_in_field"`
	TableNameField      string       `xml:"tablename_field"`
	OperationOrderField string       `xml:"operation_order_field"`
	OrderInsert         string       `xml:"order_insert"`
	OrderUpdate         string       `xml:"order_update"`
	OrderDelete         string       `xml:"order_delete"`
	Keys                []KeyField   `xml:"lookup>key"`
	Values              []ValueField `xml:"lookup>value"`
}

func (m *SynchronizeAfterMergeMeta) normalize() error { defaultConditions(m.Keys); return nil }

// MergeRowsMeta is a "MergeRows" step: compares the sorted rows of steps
// Reference and Compare by Keys and sets FlagField to "identical",
// "changed", "new" or "deleted".
type MergeRowsMeta struct {
	Reference string   `xml:"reference"`
	Compare   string   `xml:"-"` // the first <compare>: Kettle writes a second, empty one
	FlagField string   `xml:"flag_field"`
	Keys      []string `xml:"keys>key"`
	Values    []string `xml:"values>value"`
}

// UnmarshalXML implements xml.Unmarshaler.
func (m *MergeRowsMeta) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain MergeRowsMeta
	var p struct {
		plain
		Compare []string `xml:"compare"`
	}
	if err := d.DecodeElement(&p, &start); err != nil {
		return err
	}
	*m = MergeRowsMeta(p.plain)
	if len(p.Compare) > 0 {
		m.Compare = strings.TrimSpace(p.Compare[0])
	}
	return nil
}

// SelectValuesMeta is a "SelectValues" step. Kettle applies its three tabs
// in order: Fields (select, rename and order), then Remove, then Meta.
type SelectValuesMeta struct {
	Fields []SelectField `xml:"fields>field"`
	// SelectUnspecified keeps the fields Fields does not name, sorted by
	// name, after the selected ones.
	SelectUnspecified YesNo        `xml:"fields>select_unspecified"`
	Remove            []string     `xml:"fields>remove>name"`
	Meta              []SelectMeta `xml:"fields>meta"`
}

// SelectField selects field Name, renamed to Rename when that is set.
// Length and Precision are -1 when not set.
type SelectField struct {
	Name      string `xml:"name"`
	Rename    string `xml:"rename"`
	Length    int    `xml:"length"`
	Precision int    `xml:"precision"`
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (f *SelectField) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain SelectField
	p := plain{Length: -1, Precision: -1}
	err := d.DecodeElement(&p, &start)
	p.Length, p.Precision = max(p.Length, -1), max(p.Precision, -1) // Kettle's "undefined" is -2
	*f = SelectField(p)
	return err
}

// SelectMeta changes the metadata of field Name. Type is a Kettle type name
// ("String", "Integer", "Number", "BigNumber", "Date", "Timestamp",
// "Boolean", "Binary"; empty keeps the type). Length and Precision are -1
// when not set.
type SelectMeta struct {
	Name              string `xml:"name"`
	Rename            string `xml:"rename"`
	Type              string `xml:"type"`
	Length            int    `xml:"length"`
	Precision         int    `xml:"precision"`
	ConversionMask    string `xml:"conversion_mask"`
	DateFormatLenient YesNo  `xml:"date_format_lenient"` // written "true"/"false"
	DateFormatLocale  string `xml:"date_format_locale"`
	DateFormatZone    string `xml:"date_format_timezone"`
	LenientNumber     YesNo  `xml:"lenient_string_to_number"` // written "true"/"false"
	Encoding          string `xml:"encoding"`
	DecimalSymbol     string `xml:"decimal_symbol"`
	GroupingSymbol    string `xml:"grouping_symbol"`
	CurrencySymbol    string `xml:"currency_symbol"`
	StorageType       string `xml:"storage_type"` // "normal", "binary-string", "indexed" or empty
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (m *SelectMeta) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain SelectMeta
	p := plain{Length: -1, Precision: -1}
	err := d.DecodeElement(&p, &start)
	p.Length, p.Precision = max(p.Length, -1), max(p.Precision, -1) // Kettle's "undefined" is -2
	*m = SelectMeta(p)
	return err
}

// FilterRowsMeta is a "FilterRows" step: rows for which Condition holds go
// to step SendTrueTo, the others to SendFalseTo. With both empty, rows that
// fail are dropped and the others go to every next step.
type FilterRowsMeta struct {
	SendTrueTo  string     `xml:"send_true_to"`
	SendFalseTo string     `xml:"send_false_to"`
	Condition   *Condition `xml:"compare>condition"`
}

func (m *FilterRowsMeta) normalize() error {
	if m.Condition == nil {
		return nil
	}
	return m.Condition.normalize(true)
}

// Condition is a FilterRows condition. It is atomic when Conditions is
// empty: LeftValue Function RightValue, where RightValue names a field or,
// when empty, RightExact is a constant. Otherwise it combines Conditions left
// to right, without precedence: each after the first joins the result so far
// with its Operator. Negate inverts the result.
type Condition struct {
	Negate YesNo `xml:"negated"`
	// Operator joins this condition to the ones before it: "" for the
	// first, else "AND", "OR", "AND NOT", "OR NOT" or "XOR" (default AND).
	Operator string `xml:"operator"`
	// LeftValue is a field name.
	LeftValue string `xml:"leftvalue"`
	// Function is "=", "<>", "<", "<=", ">", ">=", "REGEXP", "IS NULL",
	// "IS NOT NULL", "IN LIST" (values separated by ;), "CONTAINS",
	// "STARTS WITH", "ENDS WITH", "LIKE" (% and ? wildcards) or "TRUE".
	Function   string       `xml:"function"`
	RightValue string       `xml:"rightvalue"`
	RightExact *ExactValue  `xml:"value"`
	Conditions []*Condition `xml:"conditions>condition"`
}

// ExactValue is a typed constant, as Kettle writes it in a <value> element.
type ExactValue struct {
	Name      string `xml:"name"`
	Type      string `xml:"type"` // Kettle type name, e.g. "String", "Integer"
	Text      string `xml:"text"`
	Length    int    `xml:"length"`
	Precision int    `xml:"precision"`
	IsNull    YesNo  `xml:"isnull"`
	Mask      string `xml:"mask"` // conversion mask for Text, e.g. a date format
}

var (
	conditionOperators = []string{"AND", "OR", "AND NOT", "OR NOT", "XOR"}
	conditionFunctions = []string{
		"=", "<>", "<", "<=", ">", ">=", "REGEXP", "IS NULL", "IS NOT NULL", "IN LIST",
		"CONTAINS", "STARTS WITH", "ENDS WITH", "LIKE", "TRUE",
	}
)

// normalize upper-cases operators and functions, checks them and gives
// every condition but the first of a group an operator, as Kettle does.
func (c *Condition) normalize(first bool) error {
	c.Operator = strings.ToUpper(strings.TrimSpace(c.Operator))
	switch {
	case c.Operator == "-":
		c.Operator = ""
	case c.Operator != "" && !slices.Contains(conditionOperators, c.Operator):
		return fmt.Errorf("condition: unknown operator %q", c.Operator)
	}
	if first {
		c.Operator = ""
	} else if c.Operator == "" {
		c.Operator = "AND"
	}
	c.Function = strings.ToUpper(strings.TrimSpace(c.Function))
	if len(c.Conditions) == 0 {
		if c.Function != "" && !slices.Contains(conditionFunctions, c.Function) {
			return fmt.Errorf("condition on %q: unknown function %q", c.LeftValue, c.Function)
		}
		if c.Function == "" && c.LeftValue != "" {
			c.Function = "="
		}
		return nil
	}
	for i, sub := range c.Conditions {
		if sub == nil {
			return errors.New("condition: empty sub-condition")
		}
		if err := sub.normalize(i == 0); err != nil {
			return err
		}
	}
	return nil
}

// ConstantMeta is a "Constant" step: adds fields with constant values.
type ConstantMeta struct {
	Fields []ConstantField `xml:"fields>field"`
}

// ConstantField is a field with a constant value, as written by the
// Constant and RowGenerator steps. Value is text to convert to Type with
// Format, Decimal, Group and Currency; an empty Value is null unless
// SetEmptyString. Length and Precision are -1 when not set.
type ConstantField struct {
	Name           string `xml:"name"`
	Type           string `xml:"type"`
	Format         string `xml:"format"`
	Currency       string `xml:"currency"`
	Decimal        string `xml:"decimal"`
	Group          string `xml:"group"`
	Value          string `xml:"nullif"`
	Length         int    `xml:"length"`
	Precision      int    `xml:"precision"`
	SetEmptyString YesNo  `xml:"set_empty_string"`
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (f *ConstantField) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain ConstantField
	p := plain{Length: -1, Precision: -1}
	err := d.DecodeElement(&p, &start)
	*f = ConstantField(p)
	return err
}

// ValueMapperMeta is a "ValueMapper" step: maps the values of FieldToUse
// into TargetField (FieldToUse itself when empty). A value no mapping
// matches becomes NonMatchDefault when that is set, else stays as it is.
type ValueMapperMeta struct {
	FieldToUse      string         `xml:"field_to_use"`
	TargetField     string         `xml:"target_field"`
	NonMatchDefault string         `xml:"non_match_default"`
	Mappings        []ValueMapping `xml:"fields>field"`
}

// ValueMapping maps Source to Target. An empty Source matches null (empty)
// values.
type ValueMapping struct {
	Source string `xml:"source_value"`
	Target string `xml:"target_value"`
}

// CalculatorMeta is a "Calculator" step: adds calculated fields.
type CalculatorMeta struct {
	Calculations []Calculation `xml:"calculation"`
}

// Calculation computes field FieldName as CalcType of fields FieldA, FieldB
// and FieldC. CalcType is Kettle's code, upper-cased: "CONSTANT" (FieldA
// holds the value), "COPY_FIELD", "ADD", "SUBTRACT", "MULTIPLY", "DIVIDE",
// "NVL", "ADD_DAYS", "UPPER_CASE", … (Kettle's CalculatorMetaFunction
// lists 88). ValueLength and ValuePrecision are -1 when not set.
type Calculation struct {
	FieldName         string `xml:"field_name"`
	CalcType          string `xml:"calc_type"`
	FieldA            string `xml:"field_a"`
	FieldB            string `xml:"field_b"`
	FieldC            string `xml:"field_c"`
	ValueType         string `xml:"value_type"`
	ValueLength       int    `xml:"value_length"`
	ValuePrecision    int    `xml:"value_precision"`
	RemovedFromResult YesNo  `xml:"remove"` // a temporary field, dropped from the output
	ConversionMask    string `xml:"conversion_mask"`
	DecimalSymbol     string `xml:"decimal_symbol"`
	GroupingSymbol    string `xml:"grouping_symbol"`
	CurrencySymbol    string `xml:"currency_symbol"`
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (c *Calculation) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain Calculation
	p := plain{ValueLength: -1, ValuePrecision: -1}
	err := d.DecodeElement(&p, &start)
	p.CalcType = strings.ToUpper(strings.TrimSpace(p.CalcType))
	*c = Calculation(p)
	return err
}

// SortRowsMeta is a "SortRows" step.
type SortRowsMeta struct {
	Directory  string `xml:"directory"` // for temporary files; may hold ${VAR}
	Prefix     string `xml:"prefix"`
	SortSize   string `xml:"sort_size"`   // rows kept in memory; may hold ${VAR}
	FreeMemory string `xml:"free_memory"` // free-memory threshold in %; may hold ${VAR}
	// CompressFiles compresses temporary files.
	CompressFiles YesNo `xml:"compress"`
	// Unique passes only the first of rows with equal keys.
	Unique YesNo       `xml:"unique_rows"`
	Fields []SortField `xml:"fields>field"`
}

// SortField is a sort key.
type SortField struct {
	Name            string `xml:"name"`
	Ascending       YesNo  `xml:"ascending"`
	CaseSensitive   YesNo  `xml:"case_sensitive"` // default true
	CollatorEnabled YesNo  `xml:"collator_enabled"`
	Presorted       YesNo  `xml:"presorted"`
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (f *SortField) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain SortField
	p := plain{CaseSensitive: true}
	err := d.DecodeElement(&p, &start)
	*f = SortField(p)
	return err
}

// StreamLookupMeta is a "StreamLookup" step: looks each row up, by Keys, in
// the rows of step From, adding Values.
type StreamLookupMeta struct {
	From           string        `xml:"from"`
	InputSorted    YesNo         `xml:"input_sorted"`
	PreserveMemory YesNo         `xml:"preserve_memory"`
	SortedList     YesNo         `xml:"sorted_list"`
	IntegerPair    YesNo         `xml:"integer_pair"`
	Keys           []LookupKey   `xml:"lookup>key"`
	Values         []LookupValue `xml:"lookup>value"`
}

// LookupKey matches stream field Name with field Field of the lookup rows.
type LookupKey struct {
	Name  string `xml:"name"`
	Field string `xml:"field"`
}

// LookupValue adds lookup field Name as Rename (Name when empty in the
// file), or Default, converted to Type, when no row matches.
type LookupValue struct {
	Name    string `xml:"name"`
	Rename  string `xml:"rename"`
	Default string `xml:"default"`
	Type    string `xml:"type"`
}

func (m *StreamLookupMeta) normalize() error {
	for i, v := range m.Values {
		if v.Rename == "" {
			m.Values[i].Rename = v.Name
		}
	}
	return nil
}

// DummyMeta is a "Dummy" step, which passes rows on unchanged.
type DummyMeta struct{}

// DataGridMeta is a "DataGrid" step: constant rows. Rows holds each
// <line>'s <item> texts in field order; an empty item is "", which Kettle
// reads as null unless the field's SetEmptyString is set. A line may have
// fewer items than there are fields.
type DataGridMeta struct {
	Fields []DataGridField `xml:"fields>field"`
	Rows   [][]string      `xml:"-"`
}

// DataGridField describes a DataGrid column. Length and Precision are -1
// when not set.
type DataGridField struct {
	Name           string `xml:"name"`
	Type           string `xml:"type"`
	Format         string `xml:"format"`
	Currency       string `xml:"currency"`
	Decimal        string `xml:"decimal"`
	Group          string `xml:"group"`
	Length         int    `xml:"length"`
	Precision      int    `xml:"precision"`
	SetEmptyString YesNo  `xml:"set_empty_string"`
	NullIf         string `xml:"field_null_if"` // item text that also means null (Kettle 9+)
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (f *DataGridField) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain DataGridField
	p := plain{Length: -1, Precision: -1}
	err := d.DecodeElement(&p, &start)
	*f = DataGridField(p)
	return err
}

// UnmarshalXML implements xml.Unmarshaler.
func (m *DataGridMeta) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain DataGridMeta
	var p struct {
		plain
		Lines []struct {
			Items []string `xml:"item"`
		} `xml:"data>line"`
	}
	if err := d.DecodeElement(&p, &start); err != nil {
		return err
	}
	*m = DataGridMeta(p.plain)
	m.Rows = make([][]string, len(p.Lines))
	for i, l := range p.Lines {
		m.Rows[i] = l.Items
		if m.Rows[i] == nil {
			m.Rows[i] = []string{}
		}
	}
	return nil
}

// RowGeneratorMeta is a "RowGenerator" step: Limit rows of constant
// Fields, or rows without end every IntervalInMs milliseconds.
type RowGeneratorMeta struct {
	Limit         string          `xml:"limit"` // may hold ${VAR}
	NeverEnding   YesNo           `xml:"never_ending"`
	IntervalInMs  string          `xml:"interval_in_ms"`  // may hold ${VAR}
	RowTimeField  string          `xml:"row_time_field"`  // field for the row's time, if set
	LastTimeField string          `xml:"last_time_field"` // field for the previous row's time, if set
	Fields        []ConstantField `xml:"fields>field"`
}

// RestMeta is a "Rest" step (REST Client): one HTTP request per row.
// Passwords are decoded when Kettle obfuscated them. Kettle's REST Client
// has no timeout settings in the file.
type RestMeta struct {
	ApplicationType string `xml:"applicationType"` // JSON, XML, TEXT PLAIN, …
	Method          string `xml:"method"`
	URL             string `xml:"url"`
	URLInField      YesNo  `xml:"urlInField"`
	URLField        string `xml:"urlField"`
	DynamicMethod   YesNo  `xml:"dynamicMethod"`
	MethodFieldName string `xml:"methodFieldName"`
	BodyField       string `xml:"bodyField"`
	HTTPLogin       string `xml:"httpLogin"`
	HTTPPassword    string `xml:"httpPassword"`
	ProxyHost       string `xml:"proxyHost"`
	ProxyPort       string `xml:"proxyPort"`
	// PreemptiveAuthentication sends credentials without waiting for a 401.
	PreemptiveAuthentication YesNo  `xml:"preemptive"`
	TrustStoreFile           string `xml:"trustStoreFile"`
	TrustStorePassword       string `xml:"trustStorePassword"`
	IgnoreSSL                YesNo  `xml:"ignoreSsl"`
	// Headers, Parameters and MatrixParameters take their values from
	// stream field Field.
	Headers          []RestField `xml:"headers>header"`
	Parameters       []RestField `xml:"parameters>parameter"`
	MatrixParameters []RestField `xml:"matrixParameters>matrixParameter"`
	// Result… name the output fields: body, HTTP status, response time in
	// ms and response headers as JSON; each is optional.
	ResultName           string `xml:"result>name"`
	ResultCode           string `xml:"result>code"`
	ResultResponseTime   string `xml:"result>response_time"`
	ResultResponseHeader string `xml:"result>response_header"`
}

// RestField sends the value of stream field Field as header or parameter
// Name.
type RestField struct {
	Field string `xml:"field"`
	Name  string `xml:"name"`
}

func (m *RestMeta) normalize() error {
	var err error
	if m.HTTPPassword, err = decodePassword(m.HTTPPassword); err != nil {
		return fmt.Errorf("httpPassword: %w", err)
	}
	if m.TrustStorePassword, err = decodePassword(m.TrustStorePassword); err != nil {
		return fmt.Errorf("trustStorePassword: %w", err)
	}
	return nil
}

package ktr

import (
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// ErrUnsupportedStep marks a step type ArticleKit does not run: the errors
// Check and Build return for one match it (errors.Is).
var ErrUnsupportedStep = errors.New("unsupported step type")

// decoders makes the metadata value decode fills for each supported type.
var decoders = map[string]func() any{
	"TableInput":            func() any { return new(tableInputMeta) },
	"TableOutput":           func() any { return new(tableOutputMeta) },
	"InsertUpdate":          func() any { return new(insertUpdateMeta) },
	"Update":                func() any { return new(updateMeta) },
	"Delete":                func() any { return new(deleteMeta) },
	"SynchronizeAfterMerge": func() any { return new(synchronizeAfterMergeMeta) },
	"MergeRows":             func() any { return new(mergeRowsMeta) },
	"SelectValues":          func() any { return new(selectValuesMeta) },
	"FilterRows":            func() any { return new(filterRowsMeta) },
	"Constant":              func() any { return new(constantMeta) },
	"ValueMapper":           func() any { return new(valueMapperMeta) },
	"Calculator":            func() any { return new(calculatorMeta) },
	"SortRows":              func() any { return new(sortRowsMeta) },
	"StreamLookup":          func() any { return new(streamLookupMeta) },
	"Dummy":                 func() any { return new(dummyMeta) },
	"DataGrid":              func() any { return new(dataGridMeta) },
	"RowGenerator":          func() any { return new(rowGeneratorMeta) },
	"Rest":                  func() any { return new(restMeta) },
}

// supported reports whether decode knows the step type.
func supported(stepType string) bool {
	_, ok := decoders[stepType]
	return ok
}

// decode decodes the step's type-specific settings into the *…Meta type
// named after Step.Type, such as *tableInputMeta for "TableInput". For a
// type supported does not know, the error wraps ErrUnsupportedStep.
func (s Step) decode() (any, error) {
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
// ArticleKit does not run.
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

// Check returns an *UnsupportedStepsError listing the steps whose type
// ArticleKit does not run, whether or not a hop connects them, or nil when
// there are none.
func (t *Transformation) Check() error {
	var unsupported []Step
	for _, s := range t.Steps {
		if !supported(s.Type) {
			unsupported = append(unsupported, s)
		}
	}
	if len(unsupported) > 0 {
		return &UnsupportedStepsError{Steps: unsupported}
	}
	return nil
}

// yesNo is a Kettle boolean: "Y" or "N" (also "true"/"false", as some steps
// write). An empty or absent element leaves the Go value as it was, which
// is how Kettle's per-field defaults are kept.
type yesNo bool

// UnmarshalXML implements xml.Unmarshaler.
func (b *yesNo) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
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

func parseYesNo(s string, def bool) (yesNo, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "":
		return yesNo(def), nil
	case "Y", "YES", "TRUE":
		return true, nil
	case "N", "NO", "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("%q is not Y or N", s)
}

// decodeWithDefaults decodes the element start opens into *v over
// defaults: the settings a Kettle file leaves out keep their default
// values. It decodes into a struct type with T's fields and none of its
// methods, so that T's UnmarshalXML, which calls it, is not called again.
func decodeWithDefaults[T any](d *xml.Decoder, start xml.StartElement, v *T, defaults T) error {
	dst := reflect.ValueOf(v).Elem()
	fields := make([]reflect.StructField, dst.NumField())
	for i := range fields {
		fields[i] = dst.Type().Field(i)
	}
	plain := reflect.New(reflect.StructOf(fields))
	plain.Elem().Set(reflect.ValueOf(defaults).Convert(plain.Elem().Type()))
	err := d.DecodeElement(plain.Interface(), &start)
	dst.Set(plain.Elem().Convert(dst.Type()))
	return err
}

// keyField is a lookup key of the database output steps: rows match where
// table column Field compares with stream field Name by Condition.
type keyField struct {
	Name      string `xml:"name"`      // stream field
	Field     string `xml:"field"`     // table column
	Condition string `xml:"condition"` // =, <>, <, <=, >, >=, LIKE, BETWEEN, IS NULL, IS NOT NULL; default =
	Name2     string `xml:"name2"`     // second stream field, for BETWEEN
}

// valueField is a column the database output steps write: table column
// Name gets the value of stream field Rename (which defaults to Name).
type valueField struct {
	Name   string `xml:"name"`   // table column
	Rename string `xml:"rename"` // stream field
	// Update is false for columns only inserted, never updated (default
	// true; Update steps have no such flag and always update).
	Update yesNo `xml:"update"`
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (v *valueField) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	err := decodeWithDefaults(d, start, v, valueField{Update: true})
	if v.Rename == "" {
		v.Rename = v.Name
	}
	return err
}

// tableInputMeta is a "TableInput" step: rows from an SQL query.
type tableInputMeta struct {
	Connection      string `xml:"connection"`
	SQL             string `xml:"sql"`
	Limit           string `xml:"limit"` // row limit, 0 or empty for none; may hold ${VAR}
	VariablesActive yesNo  `xml:"variables_active"`
	ExecuteEachRow  yesNo  `xml:"execute_each_row"`
	// Lookup names the step whose rows supply the query's ? parameters.
	Lookup         string `xml:"lookup"`
	LazyConversion yesNo  `xml:"lazy_conversion_active"`
}

// tableOutputMeta is a "TableOutput" step: inserts rows into a table.
type tableOutputMeta struct {
	Connection    string `xml:"connection"`
	Schema        string `xml:"schema"`
	Table         string `xml:"table"`
	CommitSize    string `xml:"commit"` // may hold ${VAR}
	Truncate      yesNo  `xml:"truncate"`
	IgnoreErrors  yesNo  `xml:"ignore_errors"`
	UseBatch      yesNo  `xml:"use_batch"`
	SpecifyFields yesNo  `xml:"specify_fields"`
	// Fields map stream fields to columns when SpecifyFields is set.
	Fields []outputField `xml:"fields>field"`
	// TableNameInField takes each row's table name from TableNameField;
	// TableNameInTable says whether that field is also written.
	TableNameInField yesNo  `xml:"tablename_in_field"`
	TableNameField   string `xml:"tablename_field"`
	TableNameInTable yesNo  `xml:"tablename_in_table"`
	ReturnKeys       yesNo  `xml:"return_keys"`
	ReturnField      string `xml:"return_field"`
}

// outputField maps stream field Stream to table column Column.
type outputField struct {
	Column string `xml:"column_name"`
	Stream string `xml:"stream_name"`
}

// lookupTable is the table of the steps that find rows by Keys in it
// (InsertUpdate, Update, Delete, SynchronizeAfterMerge), and its
// connection.
type lookupTable struct {
	Connection string     `xml:"connection"`
	Schema     string     `xml:"lookup>schema"`
	Table      string     `xml:"lookup>table"`
	CommitSize string     `xml:"commit"`
	Keys       []keyField `xml:"lookup>key"`
}

// normalize gives keys without a condition Kettle's: =. The steps that
// embed a lookupTable have it as theirs.
func (t *lookupTable) normalize() error {
	for i := range t.Keys {
		if strings.TrimSpace(t.Keys[i].Condition) == "" {
			t.Keys[i].Condition = "="
		}
	}
	return nil
}

// insertUpdateMeta is an "InsertUpdate" step: updates the row matching Keys,
// or inserts one.
type insertUpdateMeta struct {
	lookupTable
	// UpdateBypassed skips updates: rows are only inserted when missing.
	UpdateBypassed yesNo        `xml:"update_bypassed"`
	Values         []valueField `xml:"lookup>value"`
}

// updateMeta is an "Update" step: updates the rows matching Keys.
type updateMeta struct {
	lookupTable
	UseBatch        yesNo        `xml:"use_batch"`
	ErrorIgnored    yesNo        `xml:"error_ignored"` // a missing row is not an error
	IgnoreFlagField string       `xml:"ignore_flag_field"`
	SkipLookup      yesNo        `xml:"skip_lookup"`
	Values          []valueField `xml:"lookup>value"`
}

// deleteMeta is a "Delete" step: deletes the rows matching Keys.
type deleteMeta struct {
	lookupTable
}

// synchronizeAfterMergeMeta is a "SynchronizeAfterMerge" step: inserts,
// updates or deletes each row as the value of OperationOrderField says
// (OrderInsert, OrderUpdate or OrderDelete; anything else is skipped).
type synchronizeAfterMergeMeta struct {
	lookupTable
	UseBatch            yesNo        `xml:"use_batch"`
	PerformLookup       yesNo        `xml:"perform_lookup"`
	TableNameInField    yesNo        `xml:"tablename_in_field"`
	TableNameField      string       `xml:"tablename_field"`
	OperationOrderField string       `xml:"operation_order_field"`
	OrderInsert         string       `xml:"order_insert"`
	OrderUpdate         string       `xml:"order_update"`
	OrderDelete         string       `xml:"order_delete"`
	Values              []valueField `xml:"lookup>value"`
}

// mergeRowsMeta is a "MergeRows" step: compares the sorted rows of steps
// Reference and Compare by Keys and sets FlagField to "identical",
// "changed", "new" or "deleted".
type mergeRowsMeta struct {
	Reference string   `xml:"reference"`
	Compare   string   `xml:"-"` // the first <compare>: Kettle writes a second, empty one
	FlagField string   `xml:"flag_field"`
	Keys      []string `xml:"keys>key"`
	Values    []string `xml:"values>value"`
}

// UnmarshalXML implements xml.Unmarshaler.
func (m *mergeRowsMeta) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain mergeRowsMeta
	var p struct {
		plain
		Compare []string `xml:"compare"`
	}
	if err := d.DecodeElement(&p, &start); err != nil {
		return err
	}
	*m = mergeRowsMeta(p.plain)
	if len(p.Compare) > 0 {
		m.Compare = strings.TrimSpace(p.Compare[0])
	}
	return nil
}

// selectValuesMeta is a "SelectValues" step. Kettle applies its three tabs
// in order: Fields (select, rename and order), then Remove, then Meta.
type selectValuesMeta struct {
	Fields []selectField `xml:"fields>field"`
	// SelectUnspecified keeps the fields Fields does not name, sorted by
	// name, after the selected ones.
	SelectUnspecified yesNo        `xml:"fields>select_unspecified"`
	Remove            []string     `xml:"fields>remove>name"`
	Meta              []selectMeta `xml:"fields>meta"`
}

// selectField selects field Name, renamed to Rename when that is set.
// Length and Precision are -1 when not set.
type selectField struct {
	Name      string `xml:"name"`
	Rename    string `xml:"rename"`
	Length    int    `xml:"length"`
	Precision int    `xml:"precision"`
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (f *selectField) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	err := decodeWithDefaults(d, start, f, selectField{Length: -1, Precision: -1})
	f.Length, f.Precision = max(f.Length, -1), max(f.Precision, -1) // Kettle's "undefined" is -2
	return err
}

// selectMeta changes the metadata of field Name. Type is a Kettle type name
// ("String", "Integer", "Number", "BigNumber", "Date", "Timestamp",
// "Boolean", "Binary"; empty keeps the type). Length and Precision are -1
// when not set.
type selectMeta struct {
	Name              string `xml:"name"`
	Rename            string `xml:"rename"`
	Type              string `xml:"type"`
	Length            int    `xml:"length"`
	Precision         int    `xml:"precision"`
	ConversionMask    string `xml:"conversion_mask"`
	DateFormatLenient yesNo  `xml:"date_format_lenient"` // written "true"/"false"
	DateFormatLocale  string `xml:"date_format_locale"`
	DateFormatZone    string `xml:"date_format_timezone"`
	LenientNumber     yesNo  `xml:"lenient_string_to_number"` // written "true"/"false"
	Encoding          string `xml:"encoding"`
	DecimalSymbol     string `xml:"decimal_symbol"`
	GroupingSymbol    string `xml:"grouping_symbol"`
	CurrencySymbol    string `xml:"currency_symbol"`
	StorageType       string `xml:"storage_type"` // "normal", "binary-string", "indexed" or empty
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (m *selectMeta) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	err := decodeWithDefaults(d, start, m, selectMeta{Length: -1, Precision: -1})
	m.Length, m.Precision = max(m.Length, -1), max(m.Precision, -1) // Kettle's "undefined" is -2
	return err
}

// filterRowsMeta is a "FilterRows" step: rows for which Condition holds go
// to step SendTrueTo, the others to SendFalseTo. With both empty, rows that
// fail are dropped and the others go to every next step.
type filterRowsMeta struct {
	SendTrueTo  string     `xml:"send_true_to"`
	SendFalseTo string     `xml:"send_false_to"`
	Condition   *condition `xml:"compare>condition"`
}

func (m *filterRowsMeta) normalize() error {
	if m.Condition == nil {
		return nil
	}
	return m.Condition.normalize(true)
}

// condition is a FilterRows condition. It is atomic when Conditions is
// empty: LeftValue Function RightValue, where RightValue names a field or,
// when empty, RightExact is a constant. Otherwise it combines Conditions left
// to right, without precedence: each after the first joins the result so far
// with its Operator. Negate inverts the result.
type condition struct {
	Negate yesNo `xml:"negated"`
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
	RightExact *exactValue  `xml:"value"`
	Conditions []*condition `xml:"conditions>condition"`
}

// exactValue is a typed constant, as Kettle writes it in a <value> element.
type exactValue struct {
	Name      string `xml:"name"`
	Type      string `xml:"type"` // Kettle type name, e.g. "String", "Integer"
	Text      string `xml:"text"`
	Length    int    `xml:"length"`
	Precision int    `xml:"precision"`
	IsNull    yesNo  `xml:"isnull"`
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
func (c *condition) normalize(first bool) error {
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

// constantMeta is a "Constant" step: adds fields with constant values.
type constantMeta struct {
	Fields []constantField `xml:"fields>field"`
}

// constantField is a field with a constant value, as written by the
// Constant and RowGenerator steps. Value is text to convert to Type with
// Format, Decimal, Group and Currency; an empty Value is null unless
// SetEmptyString. Length and Precision are -1 when not set.
type constantField struct {
	Name           string `xml:"name"`
	Type           string `xml:"type"`
	Format         string `xml:"format"`
	Currency       string `xml:"currency"`
	Decimal        string `xml:"decimal"`
	Group          string `xml:"group"`
	Value          string `xml:"nullif"`
	Length         int    `xml:"length"`
	Precision      int    `xml:"precision"`
	SetEmptyString yesNo  `xml:"set_empty_string"`
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (f *constantField) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	return decodeWithDefaults(d, start, f, constantField{Length: -1, Precision: -1})
}

// valueMapperMeta is a "ValueMapper" step: maps the values of FieldToUse
// into TargetField (FieldToUse itself when empty). A value no mapping
// matches becomes NonMatchDefault when that is set, else stays as it is.
type valueMapperMeta struct {
	FieldToUse      string         `xml:"field_to_use"`
	TargetField     string         `xml:"target_field"`
	NonMatchDefault string         `xml:"non_match_default"`
	Mappings        []valueMapping `xml:"fields>field"`
}

// valueMapping maps Source to Target. An empty Source matches null (empty)
// values.
type valueMapping struct {
	Source string `xml:"source_value"`
	Target string `xml:"target_value"`
}

// calculatorMeta is a "Calculator" step: adds calculated fields.
type calculatorMeta struct {
	Calculations []calculation `xml:"calculation"`
}

// calculation computes field FieldName as CalcType of fields FieldA, FieldB
// and FieldC. CalcType is Kettle's code, upper-cased: "CONSTANT" (FieldA
// holds the value), "COPY_FIELD", "ADD", "SUBTRACT", "MULTIPLY", "DIVIDE",
// "NVL", "ADD_DAYS", "UPPER_CASE", … (Kettle's CalculatorMetaFunction
// lists 88). ValueLength and ValuePrecision are -1 when not set.
type calculation struct {
	FieldName         string `xml:"field_name"`
	CalcType          string `xml:"calc_type"`
	FieldA            string `xml:"field_a"`
	FieldB            string `xml:"field_b"`
	FieldC            string `xml:"field_c"`
	ValueType         string `xml:"value_type"`
	ValueLength       int    `xml:"value_length"`
	ValuePrecision    int    `xml:"value_precision"`
	RemovedFromResult yesNo  `xml:"remove"` // a temporary field, dropped from the output
	ConversionMask    string `xml:"conversion_mask"`
	DecimalSymbol     string `xml:"decimal_symbol"`
	GroupingSymbol    string `xml:"grouping_symbol"`
	CurrencySymbol    string `xml:"currency_symbol"`
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (c *calculation) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	err := decodeWithDefaults(d, start, c, calculation{ValueLength: -1, ValuePrecision: -1})
	c.CalcType = strings.ToUpper(strings.TrimSpace(c.CalcType))
	return err
}

// sortRowsMeta is a "SortRows" step.
type sortRowsMeta struct {
	Directory  string `xml:"directory"` // for temporary files; may hold ${VAR}
	Prefix     string `xml:"prefix"`
	SortSize   string `xml:"sort_size"`   // rows kept in memory; may hold ${VAR}
	FreeMemory string `xml:"free_memory"` // free-memory threshold in %; may hold ${VAR}
	// CompressFiles compresses temporary files.
	CompressFiles yesNo `xml:"compress"`
	// Unique passes only the first of rows with equal keys.
	Unique yesNo       `xml:"unique_rows"`
	Fields []sortField `xml:"fields>field"`
}

// sortField is a sort key.
type sortField struct {
	Name            string `xml:"name"`
	Ascending       yesNo  `xml:"ascending"`
	CaseSensitive   yesNo  `xml:"case_sensitive"` // default true
	CollatorEnabled yesNo  `xml:"collator_enabled"`
	Presorted       yesNo  `xml:"presorted"`
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (f *sortField) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	return decodeWithDefaults(d, start, f, sortField{CaseSensitive: true})
}

// streamLookupMeta is a "StreamLookup" step: looks each row up, by Keys, in
// the rows of step From, adding Values.
type streamLookupMeta struct {
	From           string        `xml:"from"`
	InputSorted    yesNo         `xml:"input_sorted"`
	PreserveMemory yesNo         `xml:"preserve_memory"`
	SortedList     yesNo         `xml:"sorted_list"`
	IntegerPair    yesNo         `xml:"integer_pair"`
	Keys           []lookupKey   `xml:"lookup>key"`
	Values         []lookupValue `xml:"lookup>value"`
}

// lookupKey matches stream field Name with field Field of the lookup rows.
type lookupKey struct {
	Name  string `xml:"name"`
	Field string `xml:"field"`
}

// lookupValue adds lookup field Name as Rename (Name when empty in the
// file), or Default, converted to Type, when no row matches.
type lookupValue struct {
	Name    string `xml:"name"`
	Rename  string `xml:"rename"`
	Default string `xml:"default"`
	Type    string `xml:"type"`
}

func (m *streamLookupMeta) normalize() error {
	for i, v := range m.Values {
		if v.Rename == "" {
			m.Values[i].Rename = v.Name
		}
	}
	return nil
}

// dummyMeta is a "Dummy" step, which passes rows on unchanged.
type dummyMeta struct{}

// dataGridMeta is a "DataGrid" step: constant rows. Rows holds each
// <line>'s <item> texts in field order; an empty item is "", which Kettle
// reads as null unless the field's SetEmptyString is set. A line may have
// fewer items than there are fields.
type dataGridMeta struct {
	Fields []dataGridField `xml:"fields>field"`
	Rows   [][]string      `xml:"-"`
}

// dataGridField describes a DataGrid column. Length and Precision are -1
// when not set.
type dataGridField struct {
	Name           string `xml:"name"`
	Type           string `xml:"type"`
	Format         string `xml:"format"`
	Currency       string `xml:"currency"`
	Decimal        string `xml:"decimal"`
	Group          string `xml:"group"`
	Length         int    `xml:"length"`
	Precision      int    `xml:"precision"`
	SetEmptyString yesNo  `xml:"set_empty_string"`
	NullIf         string `xml:"field_null_if"` // item text that also means null (Kettle 9+)
}

// UnmarshalXML implements xml.Unmarshaler, applying Kettle's defaults.
func (f *dataGridField) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	return decodeWithDefaults(d, start, f, dataGridField{Length: -1, Precision: -1})
}

// UnmarshalXML implements xml.Unmarshaler.
func (m *dataGridMeta) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain dataGridMeta
	var p struct {
		plain
		Lines []struct {
			Items []string `xml:"item"`
		} `xml:"data>line"`
	}
	if err := d.DecodeElement(&p, &start); err != nil {
		return err
	}
	*m = dataGridMeta(p.plain)
	m.Rows = make([][]string, len(p.Lines))
	for i, l := range p.Lines {
		m.Rows[i] = l.Items
		if m.Rows[i] == nil {
			m.Rows[i] = []string{}
		}
	}
	return nil
}

// rowGeneratorMeta is a "RowGenerator" step: Limit rows of constant
// Fields, or rows without end every IntervalInMs milliseconds.
type rowGeneratorMeta struct {
	Limit         string          `xml:"limit"` // may hold ${VAR}
	NeverEnding   yesNo           `xml:"never_ending"`
	IntervalInMs  string          `xml:"interval_in_ms"`  // may hold ${VAR}
	RowTimeField  string          `xml:"row_time_field"`  // field for the row's time, if set
	LastTimeField string          `xml:"last_time_field"` // field for the previous row's time, if set
	Fields        []constantField `xml:"fields>field"`
}

// restMeta is a "Rest" step (REST Client): one HTTP request per row.
// Passwords are decoded when Kettle obfuscated them. Kettle's REST Client
// has no timeout settings in the file.
type restMeta struct {
	ApplicationType string `xml:"applicationType"` // JSON, XML, TEXT PLAIN, …
	Method          string `xml:"method"`
	URL             string `xml:"url"`
	URLInField      yesNo  `xml:"urlInField"`
	URLField        string `xml:"urlField"`
	DynamicMethod   yesNo  `xml:"dynamicMethod"`
	MethodFieldName string `xml:"methodFieldName"`
	BodyField       string `xml:"bodyField"`
	HTTPLogin       string `xml:"httpLogin"`
	HTTPPassword    string `xml:"httpPassword"`
	ProxyHost       string `xml:"proxyHost"`
	ProxyPort       string `xml:"proxyPort"`
	// PreemptiveAuthentication sends credentials without waiting for a 401.
	PreemptiveAuthentication yesNo  `xml:"preemptive"`
	TrustStoreFile           string `xml:"trustStoreFile"`
	TrustStorePassword       string `xml:"trustStorePassword"`
	IgnoreSSL                yesNo  `xml:"ignoreSsl"`
	// Headers, Parameters and MatrixParameters take their values from
	// stream field Field.
	Headers          []restField `xml:"headers>header"`
	Parameters       []restField `xml:"parameters>parameter"`
	MatrixParameters []restField `xml:"matrixParameters>matrixParameter"`
	// Result… name the output fields: body, HTTP status, response time in
	// ms and response headers as JSON; each is optional.
	ResultName           string `xml:"result>name"`
	ResultCode           string `xml:"result>code"`
	ResultResponseTime   string `xml:"result>response_time"`
	ResultResponseHeader string `xml:"result>response_header"`
}

// restField sends the value of stream field Field as header or parameter
// Name.
type restField struct {
	Field string `xml:"field"`
	Name  string `xml:"name"`
}

func (m *restMeta) normalize() error {
	var err error
	if m.HTTPPassword, err = decodePassword(m.HTTPPassword); err != nil {
		return fmt.Errorf("httpPassword: %w", err)
	}
	if m.TrustStorePassword, err = decodePassword(m.TrustStorePassword); err != nil {
		return fmt.Errorf("trustStorePassword: %w", err)
	}
	return nil
}

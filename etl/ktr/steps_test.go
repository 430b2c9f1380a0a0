package ktr

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// decodeTestdata decodes the step named step of a testdata file.
func decodeTestdata(t *testing.T, file, step string) any {
	t.Helper()
	s, ok := parseTestdata(t, file).Step(step)
	if !ok {
		t.Fatalf("%s has no step %q", file, step)
	}
	meta, err := s.decode()
	if err != nil {
		t.Fatal(err)
	}
	return meta
}

// decodeSnippet parses a transformation made of one step of type typ with
// settings body, and decodes that step.
func decodeSnippet(t *testing.T, typ, body string) (any, error) {
	t.Helper()
	tr, err := Parse(strings.NewReader("<transformation><step><name>s</name><type>" + typ + "</type>" + body + "</step></transformation>"))
	if err != nil {
		t.Fatal(err)
	}
	return tr.Steps[0].decode()
}

func TestDecodeTestdata(t *testing.T) {
	const (
		calculator = "Calculator - Substract constant value one from a number.ktr"
		changeLog  = "General - Change log processing 2.ktr"
		tableIO    = "table_io_db_field_renamed_and_list_trimmed.ktr"
	)
	tests := []struct {
		file, step string
		want       any
	}{
		{calculator, "Calculator", &calculatorMeta{Calculations: []calculation{{
			FieldName: "newfield", CalcType: "SUBTRACT", FieldA: "count", FieldB: "one",
			ValueType: "Number", ValueLength: 7, ValuePrecision: 0,
			ConversionMask: "0.0", DecimalSymbol: ".", GroupingSymbol: ",",
		}}}},
		{calculator, "Generate Rows", &rowGeneratorMeta{Limit: "10", Fields: []constantField{
			{Name: "count", Type: "Number", Value: "21", Length: 5, Precision: 0},
			{Name: "one", Type: "Integer", Value: "1", Length: 1, Precision: 0},
		}}},
		{"Value Mapper - Same and new field.ktr", "NewField", &valueMapperMeta{
			FieldToUse: "A", TargetField: "B",
			Mappings: []valueMapping{{"Two", "2"}, {"Three", "3"}, {"", "999"}},
		}},
		{"Value Mapper - Same and new field.ktr", "Empty", &rowGeneratorMeta{Limit: "1", Fields: []constantField{
			{Name: "A", Type: "String", Length: -1, Precision: -1}, // no value: null
		}}},
		{"Stream lookup - basics.ktr", "Stream lookup", &streamLookupMeta{
			From:   "Tab B",
			Keys:   []lookupKey{{"Mandt", "B_Mandt"}, {"Benutzer", "B_Benutzer"}},
			Values: []lookupValue{{Name: "B_Zusatz", Rename: "B_Zusatz", Type: "String"}},
		}},
		{"constants-test.ktr", "Data grid", &dataGridMeta{
			Fields: []dataGridField{{Name: "dataGridField", Type: "String", Length: -1, Precision: -1}},
			Rows:   [][]string{{"a"}},
		}},
		{"rest_client.ktr", "Data Grid", &dataGridMeta{
			Fields: []dataGridField{
				{Name: "city", Type: "String", Length: -1, Precision: -1},
				{Name: "country", Type: "String", Length: -1, Precision: -1},
			},
			Rows: [][]string{{"London", "uk"}, {"New York", "us"}, {"Miami", "us"}, {"Orlando", "us"}},
		}},
		{"rest_client.ktr", "Add constants", &constantMeta{Fields: []constantField{
			{Name: "url", Type: "String", Value: "http://api.openweathermap.org/data/2.5/weather", Length: -1, Precision: -1},
			{Name: "method", Type: "String", Value: "POST", Length: -1, Precision: -1},
		}}},
		{"rest_client.ktr", "REST Client", &restMeta{
			ApplicationType: "JSON", Method: "POST", URL: "http://api.openweathermap.org/data/2.5/weather",
			Parameters: []restField{{Field: "city", Name: "q"}}, ResultName: "result",
		}},
		{"rest_client.ktr", "REST Client - parameterized", &restMeta{
			ApplicationType: "JSON", Method: "POST", URLInField: true, URLField: "url",
			DynamicMethod: true, MethodFieldName: "method",
			Parameters: []restField{{Field: "city", Name: "q"}},
			ResultName: "response", ResultCode: "response_code", ResultResponseTime: "response_time",
		}},
		{"rest_client.ktr", "Dummy (do nothing)", &dummyMeta{}},
		{"Table Output - Tablename in field.ktr", "Filter rows", &filterRowsMeta{
			Condition: &condition{LeftValue: "CUSTOMERNAME", Function: "IS NOT NULL"},
		}},
		{"Table Output - Tablename in field.ktr", "Table output", &tableOutputMeta{
			Connection: "SampleData.H2", Table: "CUSTOMERS_TABLE_OUT", CommitSize: "100", UseBatch: true,
			TableNameInField: true, TableNameField: "CUSTOMERNAME",
		}},
		{changeLog, "Changed?", &filterRowsMeta{
			SendTrueTo: "Update row", SendFalseTo: "Sink",
			Condition: &condition{LeftValue: "flag", Function: "=", RightExact: &exactValue{
				Name: "constant", Type: "String", Text: "C", Length: -1, Precision: -1,
			}},
		}},
		{changeLog, "Update row", &updateMeta{
			lookupTable: lookupTable{Connection: "SampleData.H2", Table: "CHANGELOG", CommitSize: "0",
				Keys: []keyField{{Name: "id", Field: "id", Condition: "="}}},
			Values: []valueField{{Name: "foo", Rename: "foo", Update: true}},
		}},
		{changeLog, "Delete row", &deleteMeta{
			lookupTable: lookupTable{Connection: "SampleData.H2", Table: "changelog", CommitSize: "0",
				Keys: []keyField{{Name: "id", Field: "id", Condition: "="}}},
		}},
		{changeLog, "remove flag", &selectValuesMeta{Remove: []string{"flag"}}},
		{changeLog, "Insert row", &tableOutputMeta{
			Connection: "SampleData.H2", Table: "CHANGELOG", CommitSize: "0", TableNameInTable: true,
		}},
		{tableIO, "Table input", &tableInputMeta{
			Connection: "Postgres - localhost", SQL: "SELECT first_name, last_name from people2", Limit: "0",
		}},
		{tableIO, "Select values", &selectValuesMeta{Fields: []selectField{
			{Name: "first_name", Rename: "first_name_renamed", Length: -1, Precision: -1},
			{Name: "last_name", Length: -1, Precision: -1},
		}}},
		{tableIO, "Table output", &tableOutputMeta{
			Connection: "Postgres - localhost", Schema: "public", Table: "people", CommitSize: "1000",
			Truncate: true, UseBatch: true, SpecifyFields: true, TableNameInTable: true,
			Fields: []outputField{{Column: "first_name", Stream: "first_name_renamed"}},
		}},
		{"group_to_table.template.ktr", "InsertUpdate: insert", &insertUpdateMeta{
			lookupTable: lookupTable{Connection: "db_kpt_cdc_rdb_writer", CommitSize: "1000"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.step, func(t *testing.T) {
			got := decodeTestdata(t, tt.file, tt.step)
			if !reflect.DeepEqual(normalizeEmpty(got), normalizeEmpty(tt.want)) {
				t.Errorf("Decode() =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

// normalizeEmpty sets empty slices to nil, so that DeepEqual compares
// contents: encoding/xml makes empty slices for empty parent elements.
func normalizeEmpty(v any) any {
	normalizeValue(reflect.ValueOf(v))
	return v
}

func normalizeValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			normalizeValue(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				normalizeValue(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 && v.CanSet() {
			v.SetZero()
		}
		for i := range v.Len() {
			normalizeValue(v.Index(i))
		}
	}
}

func TestDecodeSnippets(t *testing.T) {
	tests := []struct {
		name, typ, body string
		want            any
	}{
		{
			name: "InsertUpdate defaults", typ: "InsertUpdate",
			body: `<connection>dw</connection><commit>${COMMIT}</commit><update_bypassed>Y</update_bypassed>
				<lookup><schema>s</schema><table>t</table>
				  <key><name>id</name><field>ID</field><condition/><name2/></key>
				  <key><name>lo</name><field>D</field><condition>BETWEEN</condition><name2>hi</name2></key>
				  <value><name>TITLE</name><rename>title</rename><update>N</update></value>
				  <value><name>BODY</name><rename/></value>
				</lookup>`,
			want: &insertUpdateMeta{
				lookupTable: lookupTable{Connection: "dw", Schema: "s", Table: "t", CommitSize: "${COMMIT}",
					Keys: []keyField{{Name: "id", Field: "ID", Condition: "="}, {Name: "lo", Field: "D", Condition: "BETWEEN", Name2: "hi"}}},
				UpdateBypassed: true,
				Values: []valueField{
					{Name: "TITLE", Rename: "title", Update: false},
					{Name: "BODY", Rename: "BODY", Update: true}, // Kettle's defaults
				},
			},
		},
		{
			name: "SynchronizeAfterMerge", typ: "SynchronizeAfterMerge",
			body: `<connection>dw</connection><commit>100</commit>
				<tablename_in_field>N</tablename_in_field><tablename_field/>
				<use_batch>Y</use_batch><perform_lookup>N</perform_lookup>
				<operation_order_field>flagfield</operation_order_field>
				<order_insert>new</order_insert><order_update>changed</order_update><order_delete>deleted</order_delete>
				<lookup><schema/><table>articles</table>
				  <key><name>id</name><field>id</field><condition>=</condition><name2/></key>
				  <value><name>title</name><rename>title</rename><update>Y</update></value>
				  <value><name>created</name><rename>created</rename><update>N</update></value>
				</lookup>`,
			want: &synchronizeAfterMergeMeta{
				lookupTable: lookupTable{Connection: "dw", Table: "articles", CommitSize: "100",
					Keys: []keyField{{Name: "id", Field: "id", Condition: "="}}},
				UseBatch:            true,
				OperationOrderField: "flagfield", OrderInsert: "new", OrderUpdate: "changed", OrderDelete: "deleted",
				Values: []valueField{{"title", "title", true}, {"created", "created", false}},
			},
		},
		{
			// MergeRowsMeta.getXML writes <compare>step</compare> and then an
			// empty <compare> element.
			name: "MergeRows", typ: "MergeRows",
			body: `<keys><key>id</key></keys><values><value>title</value><value>body</value></values>
				<flag_field>flagfield</flag_field><reference>Old</reference><compare>New</compare>
				<compare>
				</compare>`,
			want: &mergeRowsMeta{Reference: "Old", Compare: "New", FlagField: "flagfield", Keys: []string{"id"}, Values: []string{"title", "body"}},
		},
		{
			name: "SortRows", typ: "SortRows",
			body: `<directory>%%java.io.tmpdir%%</directory><prefix>out</prefix><sort_size>1000000</sort_size>
				<free_memory/><compress>N</compress><compress_variable/><unique_rows>Y</unique_rows>
				<fields>
				  <field><name>date</name><ascending>N</ascending><case_sensitive>N</case_sensitive><collator_enabled>N</collator_enabled><collator_strength>0</collator_strength><presorted>N</presorted></field>
				  <field><name>title</name><ascending>Y</ascending></field>
				</fields>`,
			want: &sortRowsMeta{
				Directory: "%%java.io.tmpdir%%", Prefix: "out", SortSize: "1000000", Unique: true,
				Fields: []sortField{{Name: "date"}, {Name: "title", Ascending: true, CaseSensitive: true}},
			},
		},
		{
			name: "SelectValues meta", typ: "SelectValues",
			body: `<fields>
				  <field><name>a</name><rename>b</rename><length>10</length><precision>2</precision></field>
				  <select_unspecified>Y</select_unspecified>
				  <remove><name>x</name></remove><remove><name>y</name></remove>
				  <meta><name>d</name><rename/><type>Date</type><length>-2</length><precision>-2</precision>
				    <conversion_mask>yyyy-MM-dd</conversion_mask><date_format_lenient>false</date_format_lenient>
				    <date_format_locale/><date_format_timezone/><lenient_string_to_number>true</lenient_string_to_number>
				    <encoding/><decimal_symbol/><grouping_symbol/><currency_symbol/><storage_type>normal</storage_type></meta>
				</fields>`,
			want: &selectValuesMeta{
				Fields:            []selectField{{Name: "a", Rename: "b", Length: 10, Precision: 2}},
				SelectUnspecified: true,
				Remove:            []string{"x", "y"},
				Meta: []selectMeta{{
					Name: "d", Type: "Date", Length: -1, Precision: -1, ConversionMask: "yyyy-MM-dd", // Kettle wrote -2
					LenientNumber: true, StorageType: "normal",
				}},
			},
		},
		{
			name: "DataGrid empty items", typ: "DataGrid",
			body: `<fields><field><name>a</name><type>String</type><set_empty_string>Y</set_empty_string></field><field><name>b</name><type>Integer</type><field_null_if>-</field_null_if></field></fields>
				<data><line> <item/><item>1</item> </line><line> <item>x</item> </line><line/></data>`,
			want: &dataGridMeta{
				Fields: []dataGridField{
					{Name: "a", Type: "String", Length: -1, Precision: -1, SetEmptyString: true},
					{Name: "b", Type: "Integer", Length: -1, Precision: -1, NullIf: "-"},
				},
				Rows: [][]string{{"", "1"}, {"x"}, {}},
			},
		},
		{
			name: "Rest passwords and headers", typ: "Rest",
			body: `<applicationType>JSON</applicationType><method>GET</method><url>${API}/articles</url>
				<httpLogin>etl</httpLogin><httpPassword>Encrypted 2be98afc86aa7f2e4cb799d64cc9ba1dd</httpPassword>
				<preemptive>Y</preemptive><trustStorePassword>${TRUST}</trustStorePassword>
				<headers><header><field>token</field><name>Authorization</name></header></headers>
				<matrixParameters><matrixParameter><field>v</field><name>version</name></matrixParameter></matrixParameters>`,
			want: &restMeta{
				ApplicationType: "JSON", Method: "GET", URL: "${API}/articles", HTTPLogin: "etl",
				HTTPPassword: "String", PreemptiveAuthentication: true, TrustStorePassword: "${TRUST}",
				Headers:          []restField{{Field: "token", Name: "Authorization"}},
				MatrixParameters: []restField{{Field: "v", Name: "version"}},
			},
		},
		{
			name: "Calculator", typ: "Calculator",
			body: `<calculation><field_name>greeting</field_name><calc_type>constant</calc_type><field_a>hello</field_a><value_type>String</value_type><remove>Y</remove></calculation>
				<calculation><field_name>due</field_name><calc_type>ADD_DAYS</calc_type><field_a>start</field_a><field_b>days</field_b><value_length>100</value_length></calculation>`,
			want: &calculatorMeta{Calculations: []calculation{
				{FieldName: "greeting", CalcType: "CONSTANT", FieldA: "hello", ValueType: "String", ValueLength: -1, ValuePrecision: -1, RemovedFromResult: true},
				{FieldName: "due", CalcType: "ADD_DAYS", FieldA: "start", FieldB: "days", ValueLength: 100, ValuePrecision: -1},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeSnippet(t, tt.typ, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalizeEmpty(got), normalizeEmpty(tt.want)) {
				t.Errorf("Decode() =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

// A composite condition as Condition.getXML writes it:
// age >= 18 AND NOT ( country = home_country OR country IN LIST "DE;AT" ).
const compositeCondition = `<send_true_to>Adults</send_true_to><send_false_to/>
<compare>
<condition>
 <negated>N</negated>
 <conditions>
  <condition>
   <negated>N</negated>
   <leftvalue>age</leftvalue>
   <function>&gt;=</function>
   <rightvalue/>
   <value><name>constant</name><type>Integer</type><text>18</text><length>-1</length><precision>0</precision><isnull>N</isnull><mask>####0;-####0</mask></value>
  </condition>
  <condition>
   <negated>Y</negated>
   <operator>AND</operator>
   <conditions>
    <condition>
     <negated>N</negated>
     <leftvalue>country</leftvalue>
     <function>=</function>
     <rightvalue>home_country</rightvalue>
    </condition>
    <condition>
     <negated>N</negated>
     <operator>OR</operator>
     <leftvalue>country</leftvalue>
     <function>IN LIST</function>
     <rightvalue/>
     <value><name>constant</name><type>String</type><text>DE;AT</text><length>-1</length><precision>-1</precision><isnull>N</isnull><mask/></value>
    </condition>
    <condition>
     <negated>N</negated>
     <leftvalue>age</leftvalue>
     <function>is null</function>
    </condition>
   </conditions>
  </condition>
 </conditions>
</condition>
</compare>`

func TestDecodeCompositeCondition(t *testing.T) {
	got, err := decodeSnippet(t, "FilterRows", compositeCondition)
	if err != nil {
		t.Fatal(err)
	}
	want := &filterRowsMeta{SendTrueTo: "Adults", Condition: &condition{Conditions: []*condition{
		{LeftValue: "age", Function: ">=", RightExact: &exactValue{
			Name: "constant", Type: "Integer", Text: "18", Length: -1, Precision: 0, Mask: "####0;-####0",
		}},
		{Negate: true, Operator: "AND", Conditions: []*condition{
			{LeftValue: "country", Function: "=", RightValue: "home_country"},
			{Operator: "OR", LeftValue: "country", Function: "IN LIST", RightExact: &exactValue{
				Name: "constant", Type: "String", Text: "DE;AT", Length: -1, Precision: -1,
			}},
			{Operator: "AND", LeftValue: "age", Function: "IS NULL"}, // Kettle's default operator
		}},
	}}}
	if !reflect.DeepEqual(normalizeEmpty(got), normalizeEmpty(want)) {
		t.Errorf("Decode() =\n %s\nwant\n %s", conditionString(got.(*filterRowsMeta).Condition), conditionString(want.Condition))
	}
}

func conditionString(c *condition) string {
	if c == nil {
		return "<nil>"
	}
	s := c.Operator + " "
	if c.Negate {
		s += "NOT "
	}
	if len(c.Conditions) == 0 {
		s += c.LeftValue + " " + c.Function + " " + c.RightValue
		if c.RightExact != nil {
			s += "[" + c.RightExact.Type + " " + c.RightExact.Text + "]"
		}
		return s
	}
	s += "("
	for _, sub := range c.Conditions {
		s += conditionString(sub) + ";"
	}
	return s + ")"
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, typ, body, want string
	}{
		{"operator", "FilterRows", `<compare><condition><conditions><condition><leftvalue>a</leftvalue></condition><condition><operator>NAND</operator><leftvalue>b</leftvalue></condition></conditions></condition></compare>`, `unknown operator "NAND"`},
		{"function", "FilterRows", `<compare><condition><leftvalue>a</leftvalue><function>~=</function></condition></compare>`, `unknown function "~="`},
		{"yes/no", "TableOutput", `<truncate>sometimes</truncate>`, `<truncate>: "sometimes" is not Y or N`},
		{"number", "Calculator", `<calculation><value_length>ten</value_length></calculation>`, `step "s" (Calculator)`},
		{"password", "Rest", `<httpPassword>Encrypted not-hex</httpPassword>`, "httpPassword"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta, err := decodeSnippet(t, tt.typ, tt.body)
			if err == nil {
				t.Fatalf("Decode() = %+v, want an error", meta)
			}
			if !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrUnsupportedStep) {
				t.Errorf("error %q, want it to contain %q and not be ErrUnsupportedStep", err, tt.want)
			}
		})
	}
}

func TestDecodeUnsupported(t *testing.T) {
	s, _ := parseTestdata(t, "Table Output - Tablename in field.ktr").Step("Execute SQL script")
	_, err := s.decode()
	if !errors.Is(err, ErrUnsupportedStep) || !strings.Contains(err.Error(), `step "Execute SQL script"`) {
		t.Errorf("Decode() error = %v, want ErrUnsupportedStep naming the step", err)
	}
	if _, err := (Step{Name: "x", Type: "Dummy"}).decode(); err == nil {
		t.Error("Decode() of a Step not from Parse succeeded")
	}
	for typ, want := range map[string]bool{"TableInput": true, "Rest": true, "Dummy": true, "ExecSQL": false, "tableinput": false, "": false} {
		if supported(typ) != want {
			t.Errorf("Supported(%q) = %v, want %v", typ, !want, want)
		}
	}
}

func TestYesNo(t *testing.T) {
	for in, want := range map[string]yesNo{"Y": true, "y": true, " Y\n": true, "true": true, "N": false, "false": false, "no": false} {
		if got, err := parseYesNo(in, !bool(want)); err != nil || got != want {
			t.Errorf("parseYesNo(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, def := range []bool{true, false} {
		if got, err := parseYesNo("", def); err != nil || bool(got) != def {
			t.Errorf(`parseYesNo("", %v) = %v, %v`, def, got, err)
		}
	}
	if _, err := parseYesNo("1", false); err == nil {
		t.Error(`parseYesNo("1") succeeded`)
	}
}

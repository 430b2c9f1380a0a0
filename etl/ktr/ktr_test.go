package ktr

import (
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func parseTestdata(t *testing.T, file string) *Transformation {
	t.Helper()
	tr, err := ParseFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestParseTestdata(t *testing.T) {
	tests := []struct {
		file        string
		name        string
		steps, hops int
		connections []string
		types       map[string]string // some steps' types, by name
		unsupported []string          // the steps Check lists, in file order
	}{
		{
			file: "Calculator - Substract constant value one from a number.ktr", steps: 2, hops: 1,
			name:  "Calculator - Substract constant value one from a number",
			types: map[string]string{"Calculator": "Calculator", "Generate Rows": "RowGenerator"},
		},
		{
			file: "Database - generic driver usage.ktr", name: "Database - generic driver usage", steps: 2, hops: 1,
			connections: []string{"Generic Sample"},
			types:       map[string]string{"Table input": "TableInput", "Dummy (do nothing)": "Dummy"},
		},
		{
			file: "General - Change log processing 2.ktr", name: "General - Change log processing 2", steps: 10, hops: 9,
			connections: []string{"SampleData.H2"},
			types: map[string]string{
				"Changed?": "FilterRows", "Delete row": "Delete", "Update row": "Update",
				"Insert row": "TableOutput", "remove flag": "SelectValues", "Sink": "Dummy",
			},
			unsupported: []string{"Get rows from result", "temp.txt"},
		},
		{
			file: "Stream lookup - basics.ktr", name: "Stream lookup - basics", steps: 4, hops: 3,
			types: map[string]string{"Stream lookup": "StreamLookup", "Tab B": "RowGenerator"},
		},
		{
			file: "Table Output - Tablename in field.ktr", name: "test new TableOutput with table name in field", steps: 4, hops: 3,
			connections: []string{"SampleData.H2"},
			types:       map[string]string{"Filter rows": "FilterRows", "Table output": "TableOutput"},
			unsupported: []string{"Execute SQL script"},
		},
		{
			file: "Value Mapper - Same and new field.ktr", name: "Value Mapper  Same and new field", steps: 10, hops: 14,
			types: map[string]string{"NewField": "ValueMapper", "SameField": "ValueMapper", "Empty": "RowGenerator"},
		},
		{
			file: "constants-test.ktr", name: "constants-test", steps: 2, hops: 1,
			types: map[string]string{"Add constants": "Constant", "Data grid": "DataGrid"},
		},
		{
			file: "group_to_table.template.ktr", name: "group_to_table.template", steps: 24, hops: 23,
			connections: []string{"db_kpt_cdc_rdb_writer"},
			types:       map[string]string{"InsertUpdate: insert": "InsertUpdate", "Delete": "Delete", "TableOutput": "TableOutput"},
			unsupported: []string{
				"Byte_to_Binary.step2", "JSON_to_field", "Switch / case: target_operate", "days_to_Date",
				"microseconds_to_Date", "milliseconds_to_Date", "nanoseconds_to_Date", "scale_to_BigNumber.step2",
				"SimpleMapping: target_row_modifier.mapping",
			},
		},
		{
			file: "rest_client.ktr", name: "rest_client", steps: 6, hops: 5,
			types: map[string]string{"REST Client": "Rest", "Data Grid": "DataGrid", "Add constants": "Constant"},
		},
		{
			file: "table_io_db_field_renamed_and_list_trimmed.ktr", name: "table_io_db_field_renamed_and_list_trimmed",
			steps: 4, hops: 3, connections: []string{"Postgres - localhost"},
			types: map[string]string{"Table input": "TableInput", "Select values": "SelectValues", "Table output": "TableOutput"},
		},
	}

	files, err := filepath.Glob("testdata/*.ktr")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Fatalf("testdata has %d .ktr files, the table covers %d", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			tr := parseTestdata(t, tt.file)
			if tr.Name != tt.name {
				t.Errorf("Name = %q, want %q", tr.Name, tt.name)
			}
			if len(tr.Steps) != tt.steps || len(tr.Hops) != tt.hops {
				t.Errorf("%d steps and %d hops, want %d and %d", len(tr.Steps), len(tr.Hops), tt.steps, tt.hops)
			}
			var conns []string
			for _, c := range tr.Connections {
				conns = append(conns, c.Name)
			}
			if !slices.Equal(conns, tt.connections) {
				t.Errorf("connections %q, want %q", conns, tt.connections)
			}
			for name, typ := range tt.types {
				if s, ok := tr.Step(name); !ok || s.Type != typ {
					t.Errorf("Step(%q) = %q, %v; want type %q", name, s.Type, ok, typ)
				}
			}

			err := tr.Check()
			if len(tt.unsupported) == 0 {
				if err != nil {
					t.Errorf("Check() = %v, want nil", err)
				}
				return
			}
			var use *UnsupportedStepsError
			if !errors.As(err, &use) {
				t.Fatalf("Check() = %v, want *UnsupportedStepsError", err)
			}
			var names []string
			for _, s := range use.Steps {
				names = append(names, s.Name)
			}
			if !slices.Equal(names, tt.unsupported) {
				t.Errorf("Check() lists %q, want %q", names, tt.unsupported)
			}
			if !errors.Is(err, ErrUnsupportedStep) {
				t.Error("errors.Is(Check(), ErrUnsupportedStep) = false")
			}
		})
	}
}

func TestCheckMessage(t *testing.T) {
	err := parseTestdata(t, "Table Output - Tablename in field.ktr").Check()
	want := `ktr: unsupported steps: "Execute SQL script" (ExecSQL)`
	if err == nil || err.Error() != want {
		t.Errorf("Check() = %v, want %s", err, want)
	}
	err = parseTestdata(t, "General - Change log processing 2.ktr").Check()
	want = `ktr: unsupported steps: "Get rows from result" (RowsFromResult), "temp.txt" (TextFileOutput)`
	if err == nil || err.Error() != want {
		t.Errorf("Check() = %v, want %s", err, want)
	}
}

func TestParseHopsAndSteps(t *testing.T) {
	tr := parseTestdata(t, "General - Change log processing 2.ktr")
	if want := (Hop{From: "Deleted?", To: "Changed?", Enabled: true}); tr.Hops[0] != want {
		t.Errorf("first hop %+v, want %+v", tr.Hops[0], want)
	}
	if got := tr.Steps[0].Name; got != "Changed?" {
		t.Errorf("steps not in file order: first is %q", got)
	}

	tr = parseTestdata(t, "Value Mapper - Same and new field.ktr")
	empty, _ := tr.Step("Empty")
	same, _ := tr.Step("Same")
	if empty.Distribute || !same.Distribute || empty.Copies != 1 {
		t.Errorf("Empty: Distribute %v Copies %d, Same: Distribute %v; want false 1, true", empty.Distribute, empty.Copies, same.Distribute)
	}
	if _, ok := tr.Step("Nope"); ok {
		t.Error(`Step("Nope") found a step`)
	}
}

func TestParseConnections(t *testing.T) {
	tests := []struct {
		file string
		want Connection
	}{
		{"table_io_db_field_renamed_and_list_trimmed.ktr", Connection{
			Name: "Postgres - localhost", Type: "POSTGRESQL", Access: "Native", Host: "localhost",
			Database: "postgres", Port: "5432", Username: "postgres", Password: "postgres", // decoded
		}},
		{"Database - generic driver usage.ktr", Connection{
			Name: "Generic Sample", Type: "GENERIC", Access: "Native", Port: "-1",
			Username: "PENTAHO_USER", Password: "PASSWORD",
		}},
		{"group_to_table.template.ktr", Connection{
			Name: "db_kpt_cdc_rdb_writer", Type: "POSTGRESQL", Access: "Native",
			Host: "${Config.CDC.RDB.Writer.Server}", Database: "${Config.CDC.RDB.Writer.Database}",
			Port: "${Config.CDC.RDB.Writer.Port}", Username: "${Config.CDC.RDB.Writer.Username}",
			Password: "${Config.CDC.RDB.Writer.Password}",
		}},
	}
	for _, tt := range tests {
		got := parseTestdata(t, tt.file).Connections[0]
		attrs := got.Attributes
		got.Attributes = nil
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.file, got, tt.want)
		}
		if len(attrs) < 9 || attrs["USE_POOLING"] != "N" {
			t.Errorf("%s: attributes %v", tt.file, attrs)
		}
	}
	attrs := parseTestdata(t, "Database - generic driver usage.ktr").Connections[0].Attributes
	if attrs["CUSTOM_URL"] != "jdbc:h2:file:samples/db/sampledb;IFEXISTS=TRUE" || attrs["CUSTOM_DRIVER_CLASS"] != "org.h2.Driver" {
		t.Errorf("generic attributes %v", attrs)
	}
}

func TestParseDefaults(t *testing.T) {
	tr, err := Parse(strings.NewReader(`<?xml version="1.0" encoding="UTF-8"?>
<transformation>
  <info>
    <name>defaults</name>
    <parameters>
      <parameter><name>YEAR</name><default_value>2024</default_value><description>year to load</description></parameter>
      <parameter><name>LIMIT</name><default_value/><description/></parameter>
    </parameters>
  </info>
  <order>
    <hop><from>a</from><to>b</to><enabled>N</enabled></hop>
    <hop><from>b</from><to>c</to></hop>
  </order>
  <step><name>a</name><type>Dummy</type></step>
  <step><name>b</name><type>Dummy</type><copies>4</copies><distribute>N</distribute></step>
  <step><name>c</name><type>Dummy</type><copies/><distribute/></step>
</transformation>`))
	if err != nil {
		t.Fatal(err)
	}
	wantParams := []Parameter{{"YEAR", "2024", "year to load"}, {"LIMIT", "", ""}}
	if !slices.Equal(tr.Parameters, wantParams) {
		t.Errorf("Parameters %+v, want %+v", tr.Parameters, wantParams)
	}
	wantHops := []Hop{{"a", "b", false}, {"b", "c", true}}
	if !slices.Equal(tr.Hops, wantHops) {
		t.Errorf("Hops %+v, want %+v", tr.Hops, wantHops)
	}
	for i, want := range []struct {
		copies     int
		distribute bool
	}{{1, true}, {4, false}, {1, true}} {
		if s := tr.Steps[i]; s.Copies != want.copies || s.Distribute != want.distribute {
			t.Errorf("step %s: Copies %d Distribute %v, want %d %v", s.Name, s.Copies, s.Distribute, want.copies, want.distribute)
		}
	}
}

func TestParseRejects(t *testing.T) {
	steps := func(body string) string { return "<transformation>" + body + "</transformation>" }
	tests := []struct {
		name, doc, want string
	}{
		{"empty", "", "no root element"},
		{"text", "hello, world", "text outside the root element"},
		{"json", `{"steps": []}`, "text outside the root element"},
		{"unclosed", "<transformation><step>", "not a well-formed XML document"},
		{"mismatched", "<transformation></step>", "not a well-formed XML document"},
		{"job", "<job><name>j</name></job>", "root element is <job>, want <transformation>"},
		{"two roots", "<transformation/><transformation/>", "more than one root element"},
		{"trailing text", "<transformation/>junk", "text outside the root element"},
		{"entity", `<!DOCTYPE t [<!ENTITY a "aaaaaaaa">]><transformation>&a;</transformation>`, "not a well-formed XML document"},
		{"latin1", `<?xml version="1.0" encoding="ISO-8859-1"?><transformation/>`, "not a well-formed XML document"},
		{"deep", strings.Repeat("<transformation>", 300) + strings.Repeat("</transformation>", 300), "nested deeper than 256"},
		{"no name", steps("<step><type>Dummy</type></step>"), "step 1 has no name"},
		{"blank name", steps("<step><name> </name><type>Dummy</type></step>"), "step 1 has no name"},
		{"no type", steps("<step><name>a</name></step>"), `step "a" has no type`},
		{"duplicate", steps("<step><name>a</name><type>Dummy</type></step><step><name>a</name><type>Dummy</type></step>"), `step "a": duplicate step name`},
		{"unknown hop", steps("<order><hop><from>a</from><to>b</to></hop></order><step><name>a</name><type>Dummy</type></step>"), `no step named "b"`},
		{"empty hop", steps("<order><hop/></order>"), `no step named ""`},
		{"copies 0", steps("<step><name>a</name><type>Dummy</type><copies>0</copies></step>"), "copies 0 out of range 1..1024"},
		{"copies huge", steps("<step><name>a</name><type>Dummy</type><copies>1025</copies></step>"), "copies 1025 out of range"},
		{"copies overflow", steps("<step><name>a</name><type>Dummy</type><copies>99999999999999999999</copies></step>"), "is not a number"},
		{"copies variable", steps("<step><name>a</name><type>Dummy</type><copies>${N}</copies></step>"), `copies "${N}" is not a number`},
		{"distribute", steps("<step><name>a</name><type>Dummy</type><distribute>maybe</distribute></step>"), `distribute: "maybe" is not Y or N`},
		{"hop enabled", steps("<order><hop><from>a</from><to>a</to><enabled>?</enabled></hop></order><step><name>a</name><type>Dummy</type></step>"), "enabled:"},
		{"password", steps("<connection><name>c</name><password>Encrypted xyz</password></connection>"), `connection "c": password`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Parse(strings.NewReader(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", tr)
			}
			if !strings.HasPrefix(err.Error(), "ktr: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// endless yields "<transformation>" and then spaces forever.
type endless struct{ started bool }

func (e *endless) Read(p []byte) (int, error) {
	if !e.started {
		e.started = true
		return copy(p, "<transformation>"), nil
	}
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestParseSizeLimit(t *testing.T) {
	_, err := Parse(&endless{})
	if err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("Parse(endless) = %v, want a size error", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestParseReadError(t *testing.T) {
	if _, err := Parse(failingReader{}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Parse = %v, want the read error wrapped", err)
	}
	if _, err := ParseFile("testdata/missing.ktr"); err == nil || !strings.Contains(err.Error(), "missing.ktr") {
		t.Errorf("ParseFile(missing) = %v", err)
	}
}

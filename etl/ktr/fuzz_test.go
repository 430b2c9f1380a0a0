package ktr

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.ktr")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, snippet := range []string{
		"",
		"<transformation/>",
		"<transformation><step><name>s</name><type>FilterRows</type>" + compositeCondition + "</step></transformation>",
		`<transformation><step><name>m</name><type>MergeRows</type><compare>a</compare><compare/></step>
		 <step><name>g</name><type>DataGrid</type><data><line><item/></line></data></step>
		 <order><hop><from>m</from><to>g</to><enabled>N</enabled></hop></order></transformation>`,
		`<transformation><connection><name>c</name><type>GENERIC</type><password>Encrypted 2be98afc86aa7f2e4cb799d64cc9ba1dd</password>
		 <attributes><attribute><code>CUSTOM_URL</code><attribute>jdbc:mysql://${H}/db</attribute></attribute></attributes></connection></transformation>`,
	} {
		f.Add([]byte(snippet))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		vars := Variables{"H": "db.example", "A": "${A}"}
		names := map[string]bool{}
		for _, s := range tr.Steps {
			if s.Name == "" || s.Type == "" || names[s.Name] || s.Copies < 1 || s.Copies > maxCopies {
				t.Fatalf("Parse accepted step %+v", s)
			}
			names[s.Name] = true
			_, err := s.decode()
			if errors.Is(err, ErrUnsupportedStep) == supported(s.Type) {
				t.Fatalf("step type %q: Supported %v, Decode error %v", s.Type, supported(s.Type), err)
			}
			vars.Expand(s.Name)
			vars.missing(s.Name)
		}
		for _, h := range tr.Hops {
			if !names[h.From] || !names[h.To] {
				t.Fatalf("Parse accepted hop %+v", h)
			}
		}
		if err := tr.Check(); err != nil && !errors.Is(err, ErrUnsupportedStep) {
			t.Fatalf("Check() = %v", err)
		}
		for _, c := range tr.Connections {
			_, _ = c.DSN(vars, nil)
		}
		_, _ = ResolveVariables(tr, nil, bytes.NewReader(data))
	})
}

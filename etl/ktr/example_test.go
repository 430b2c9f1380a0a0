package ktr_test

import (
	"fmt"
	"strings"

	"github.com/articlekit/articlekit/etl/ktr"
)

const articlesKTR = `<?xml version="1.0" encoding="UTF-8"?>
<transformation>
  <info><name>copy articles</name>
    <parameters><parameter><name>YEAR</name><default_value>2024</default_value></parameter></parameters>
  </info>
  <connection>
    <name>news</name><server>db.example</server><type>POSTGRESQL</type><access>Native</access>
    <database>news</database><port>5432</port><username>etl</username>
    <password>Encrypted 2be98afc86aa7f2e4cb799d64cc9ba1dd</password>
  </connection>
  <order><hop><from>Read</from><to>Recent?</to><enabled>Y</enabled></hop></order>
  <step>
    <name>Read</name><type>TableInput</type><connection>news</connection>
    <sql>SELECT id, title, year FROM articles WHERE year &lt;= ${YEAR}</sql>
    <variables_active>Y</variables_active>
  </step>
  <step>
    <name>Recent?</name><type>FilterRows</type>
    <compare><condition><negated>N</negated><leftvalue>year</leftvalue><function>&gt;=</function><rightvalue/>
      <value><name>constant</name><type>Integer</type><text>2020</text><length>-1</length><precision>0</precision><isnull>N</isnull><mask/></value>
    </condition></compare>
  </step>
</transformation>`

func ExampleParse() {
	t, err := ktr.Parse(strings.NewReader(articlesKTR))
	if err != nil {
		panic(err)
	}
	vars, err := ktr.ResolveVariables(t, []string{"YEAR=2025"}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Name)
	for _, h := range t.Hops {
		fmt.Printf("%s → %s\n", h.From, h.To)
	}
	for _, s := range t.Steps {
		meta, err := s.Decode()
		if err != nil {
			panic(err)
		}
		switch m := meta.(type) {
		case *ktr.TableInputMeta:
			fmt.Printf("%s: %s\n", s.Name, vars.Expand(m.SQL))
			dsn, err := t.Connections[0].DSN(vars, nil)
			if err != nil {
				panic(err)
			}
			fmt.Printf("%s: %s\n", m.Connection, dsn)
		case *ktr.FilterRowsMeta:
			c := m.Condition
			fmt.Printf("%s: %s %s %s (%s)\n", s.Name, c.LeftValue, c.Function, c.RightExact.Text, c.RightExact.Type)
		}
	}
	// Output:
	// copy articles
	// Read → Recent?
	// Read: SELECT id, title, year FROM articles WHERE year <= 2025
	// news: postgres://etl:String@db.example:5432/news?sslmode=disable
	// Recent?: year >= 2020 (Integer)
}

func ExampleTransformation_Check() {
	t, err := ktr.ParseFile("testdata/Table Output - Tablename in field.ktr")
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Check())
	// Output:
	// ktr: unsupported steps: "Execute SQL script" (ExecSQL)
}

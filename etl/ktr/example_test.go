package ktr_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/ktr"
	"github.com/articlekit/articlekit/etl/step"
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
	fmt.Println(t.Name, "for", vars.Expand("${YEAR}"))
	for _, s := range t.Steps {
		fmt.Printf("%s (%s)\n", s.Name, s.Type)
	}
	for _, h := range t.Hops {
		fmt.Printf("%s → %s\n", h.From, h.To)
	}
	dsn, err := t.Connections[0].DSN(vars, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %s\n", t.Connections[0].Name, dsn)
	// Output:
	// copy articles for 2025
	// Read (TableInput)
	// Recent? (FilterRows)
	// Read → Recent?
	// news: postgres://etl:String@db.example:5432/news?sslmode=disable
}

// A transformation built into a pipeline and run: a data grid through a
// filter, the filter's rows collected.
func ExampleBuild() {
	t, err := ktr.Parse(strings.NewReader(`<transformation>
  <info><name>recent</name></info>
  <order><hop><from>Grid</from><to>Recent?</to><enabled>Y</enabled></hop></order>
  <step>
    <name>Grid</name><type>DataGrid</type>
    <fields><field><name>title</name><type>String</type></field><field><name>year</name><type>Integer</type></field></fields>
    <data><line><item>Go</item><item>2012</item></line><line><item>Kafka</item><item>2024</item></line></data>
  </step>
  <step>
    <name>Recent?</name><type>FilterRows</type>
    <compare><condition><leftvalue>year</leftvalue><function>&gt;=</function>
      <value><type>Integer</type><text>2020</text></value>
    </condition></compare>
  </step>
</transformation>`))
	if err != nil {
		panic(err)
	}
	b, err := ktr.Build(t, ktr.Options{})
	if err != nil {
		panic(err)
	}
	defer b.Close()
	out := &step.Collector{}
	b.Pipeline.Add("out", out).Connect(etl.Hop{From: "Recent?", To: "out"})
	if _, err := b.Pipeline.Run(context.Background()); err != nil {
		panic(err)
	}
	for _, r := range out.Rows() {
		fmt.Println(r...)
	}
	// Output:
	// Kafka 2024
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

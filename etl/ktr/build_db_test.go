package ktr_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/articles/articlestest"
	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl/ktr"
)

// transformation writes a .ktr document of steps (their inner XML) and
// hops (from, to pairs), with one connection named "db".
func transformation(steps map[string]string, hops ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><transformation><info><name>test</name></info>`)
	b.WriteString(`<connection><name>db</name><type>POSTGRESQL</type><access>Native</access><server>127.0.0.1</server><database>x</database><port>1</port></connection>`)
	b.WriteString("<order>")
	for i := 0; i+1 < len(hops); i += 2 {
		fmt.Fprintf(&b, "<hop><from>%s</from><to>%s</to><enabled>Y</enabled></hop>", hops[i], hops[i+1])
	}
	b.WriteString("</order>")
	for name, inner := range steps {
		fmt.Fprintf(&b, "<step><name>%s</name>%s</step>", name, inner)
	}
	b.WriteString("</transformation>")
	return b.String()
}

const grid = `<type>DataGrid</type><fields>
	<field><name>id</name><type>Integer</type></field><field><name>name</name><type>String</type></field></fields>
	<data><line><item>1</item><item>one</item></line><line><item>2</item><item>two</item></line>
	<line><item>3</item><item>x-three</item></line><line><item>4</item><item>four</item></line></data>`

func runKTR(t *testing.T, doc, url string) {
	t.Helper()
	tr, err := ktr.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ktr.Build(tr, ktr.Options{Overrides: map[string]string{"KTR_CONNECTION_DB_URL": url}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Pipeline.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func query(t *testing.T, db *sqldb.DB, q string) string {
	t.Helper()
	rows, err := db.Read.DB.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%s", id, name))
	}
	return strings.Join(out, " ")
}

// Kettle's database steps on every engine: a filter routes rows to
// Insert/Update and Delete; Update changes; Merge rows with Synchronize
// after merge brings one table to another's rows.
func TestDatabaseSteps(t *testing.T) {
	articlestest.ForEachDatabase(t, func(t *testing.T, url string) {
		db, err := sqldb.Open(url, sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range []string{
			"CREATE TABLE t (id BIGINT, name VARCHAR(50))", // no unique key: Insert/Update does not need one
			"INSERT INTO t VALUES (2, 'old'), (3, 'x-three')",
			"CREATE TABLE a (id BIGINT PRIMARY KEY, name VARCHAR(50))",
			"CREATE TABLE b (id BIGINT PRIMARY KEY, name VARCHAR(50))",
			"INSERT INTO a VALUES (1, 'same'), (2, 'new name'), (3, 'added')",
			"INSERT INTO b VALUES (1, 'same'), (2, 'old name'), (4, 'removed')",
		} {
			if _, err := db.Write.DB.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		keys := `<key><name>id</name><field>id</field><condition>=</condition></key>`
		runKTR(t, transformation(map[string]string{
			"grid": grid,
			"filter": `<type>FilterRows</type><send_true_to>upsert</send_true_to><send_false_to>delete</send_false_to>
				<compare><condition><negated>N</negated><leftvalue>name</leftvalue><function>LIKE</function><rightvalue/>
				<value><name>c</name><type>String</type><text>x-%</text><isnull>N</isnull></value></condition></compare>`,
			"upsert": `<type>InsertUpdate</type><connection>db</connection><commit>2</commit><lookup><table>t</table>` + keys +
				`<value><name>name</name><rename>name</rename><update>Y</update></value></lookup>`,
			"delete": `<type>Delete</type><connection>db</connection><lookup><table>t</table>` + keys + `</lookup>`,
		}, "grid", "filter", "filter", "upsert", "filter", "delete"), url)
		// Row 3 (LIKE x-%) goes to the upsert, the others to the delete,
		// which removes 2 and finds nothing to delete for 1 and 4.
		if got := query(t, db, "SELECT id, name FROM t ORDER BY id"); got != "3:x-three" {
			t.Fatalf("t = %s", got)
		}
		runKTR(t, transformation(map[string]string{
			"grid":   grid,
			"update": `<type>Update</type><connection>db</connection><error_ignored>Y</error_ignored><lookup><table>t</table>` + keys + `<value><name>name</name><rename>name</rename></value></lookup>`,
		}, "grid", "update"), url)
		if got := query(t, db, "SELECT id, name FROM t ORDER BY id"); got != "3:x-three" {
			t.Fatalf("after update t = %s", got)
		}
		runKTR(t, transformation(map[string]string{
			"a":     `<type>TableInput</type><connection>db</connection><sql>SELECT id, name FROM a</sql>`,
			"b":     `<type>TableInput</type><connection>db</connection><sql>SELECT id, name FROM b</sql>`,
			"merge": `<type>MergeRows</type><reference>b</reference><compare>a</compare><flag_field>flag</flag_field><keys><key>id</key></keys><values><value>name</value></values>`,
			"sync": `<type>SynchronizeAfterMerge</type><connection>db</connection><operation_order_field>flag</operation_order_field>
				<order_insert>new</order_insert><order_update>changed</order_update><order_delete>deleted</order_delete>
				<lookup><table>b</table>` + keys + `<value><name>name</name><rename>name</rename><update>Y</update></value></lookup>`,
		}, "a", "merge", "b", "merge", "merge", "sync"), url)
		if got, want := query(t, db, "SELECT id, name FROM b ORDER BY id"), query(t, db, "SELECT id, name FROM a ORDER BY id"); got != want {
			t.Fatalf("b = %s, want a's %s", got, want)
		}
	})
}

// SortRows with Kettle's defaults (a sort size, the JVM's temporary
// directory) spills and sorts.
func TestSortRows(t *testing.T) {
	doc := transformation(map[string]string{
		"grid": grid,
		"sort": `<type>SortRows</type><directory>%%java.io.tmpdir%%</directory><sort_size>2</sort_size><unique_rows>N</unique_rows>
			<fields><field><name>name</name><ascending>N</ascending><case_sensitive>Y</case_sensitive></field></fields>`,
	}, "grid", "sort")
	tr, err := ktr.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ktr.Build(tr, ktr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := probe(b, "sort")
	if _, err := b.Pipeline.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(out.Rows()); got != "[[3 x-three] [2 two] [1 one] [4 four]]" {
		t.Fatalf("sorted %s", got)
	}
}

// A dry run writes nothing: database outputs pass their rows on, and a
// REST step that would send anything but GET is refused.
func TestDryRun(t *testing.T) {
	tr, err := ktr.ParseFile(filepath.Join("testdata", "rest_client.ktr"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ktr.Build(tr, ktr.Options{DryRun: true}); err == nil || !strings.Contains(err.Error(), "cannot send POST requests") {
		t.Fatalf("dry run of POSTs: %v", err)
	}
	db, err := sqldb.Open(articlestest.NewDatabase(t, sqldb.SQLite), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Write.DB.Exec("CREATE TABLE t (id BIGINT, name VARCHAR(50))"); err != nil {
		t.Fatal(err)
	}
	tr, err = ktr.Parse(strings.NewReader(transformation(map[string]string{
		"grid": grid,
		"out":  `<type>TableOutput</type><connection>db</connection><table>t</table><truncate>Y</truncate>`,
	}, "grid", "out")))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ktr.Build(tr, ktr.Options{DryRun: true, Overrides: map[string]string{"KTR_CONNECTION_DB_URL": db.String()}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	res, err := b.Pipeline.Run(context.Background())
	if err != nil || res.Step("out").Written != 4 {
		t.Fatalf("dry run: %v, %+v", err, res.Step("out"))
	}
	var n int
	if err := db.Read.DB.QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the dry run wrote %d rows (%v)", n, err)
	}
}

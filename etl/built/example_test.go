package built_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/articlekit/articlekit/etl/built"
	"github.com/articlekit/articlekit/etl/sqlio"
)

// A pipeline built as etl/pipefile and etl/ktr build them: its steps share
// the connection they name, which Close closes.
func ExamplePipeline_Connection() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	b := built.New("copy")
	defer b.Close()
	url := "sqlite://" + filepath.Join(dir, "data.db")
	db, err := b.Connection("data", url)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, q := range []string{
		"CREATE TABLE a (id INTEGER PRIMARY KEY, title TEXT)",
		"CREATE TABLE b (id INTEGER PRIMARY KEY, title TEXT)",
		"INSERT INTO a VALUES (1, 'one'), (2, 'two')",
	} {
		if _, err := db.Write.DB.Exec(q); err != nil {
			fmt.Println(err)
			return
		}
	}
	same, _ := b.Connection("data", url)
	fmt.Println("one connection:", same == db)
	res, err := b.Pipeline.
		Then("read", &sqlio.Query{DB: db, Table: "a"}).
		Then("write", &sqlio.Table{DB: same, Name: "b"}).
		Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rows written:", res.Step("write").Written)
	// Output:
	// one connection: true
	// rows written: 2
}

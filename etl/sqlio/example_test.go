package sqlio_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/articlekit/articlekit/articles/sqldb"
	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/sqlio"
)

// An incremental, version-guarded copy of one table into another: the
// second run finds nothing new.
func ExampleCheckpoint() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := sqldb.Open("sqlite://"+filepath.Join(dir, "data.db"), sqldb.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE a (id INTEGER PRIMARY KEY, title TEXT, version INTEGER)",
		"CREATE TABLE b (id INTEGER PRIMARY KEY, title TEXT, version INTEGER)",
		"INSERT INTO a VALUES (1, 'one', 1), (2, 'two', 3)",
	} {
		if _, err := db.Write.DB.Exec(q); err != nil {
			fmt.Println(err)
			return
		}
	}
	cp := &sqlio.Checkpoint{DB: db, Name: "a-to-b", Fields: []string{"id"}}
	for range 2 {
		res, err := etl.New("a-to-b").
			Then("read", &sqlio.Query{DB: db, Table: "a", Checkpoint: cp}).
			Then("write", &sqlio.Table{DB: db, Name: "b", Mode: sqlio.Upsert, Keys: []sqlio.Key{{Column: "id"}}, Version: "version", Checkpoint: cp}).
			Run(context.Background())
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("rows written:", res.Step("write").Written)
	}
	// Output:
	// rows written: 2
	// rows written: 0
}

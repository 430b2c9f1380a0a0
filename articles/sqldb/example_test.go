package sqldb_test

import (
	"context"
	"fmt"

	"github.com/articlekit/articlekit/articles/sqldb"
)

func ExampleOpen() {
	db, err := sqldb.Open("sqlite://:memory:", sqldb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	var answer int
	_ = db.Read.NewRaw("SELECT 6 * 7").Scan(context.Background(), &answer)
	fmt.Println(db.Dialect, answer)
	fmt.Println(sqldb.Redact("postgres://app:secret@db.example:5432/articles"))
	// Output:
	// sqlite 42
	// postgres://app:xxxxx@db.example:5432/articles
}

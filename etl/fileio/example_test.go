package fileio_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/articlekit/articlekit/etl"
	"github.com/articlekit/articlekit/etl/fileio"
)

// CSV in, JSON Lines out, with a typed field.
func ExampleSource() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.jsonl")
	if err := os.WriteFile(in, []byte("id,title\n1,Go\n2,Kafka\n"), 0o600); err != nil {
		fmt.Println(err)
		return
	}
	_, err := etl.New("convert").
		Then("read", &fileio.Source{Path: in, Fields: []etl.Field{{Name: "id", Type: etl.Integer}}}).
		Then("write", &fileio.Sink{Path: out, Format: fileio.JSONL}).
		Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := os.ReadFile(out)
	fmt.Print(string(data))
	// Output:
	// {"id":1,"title":"Go"}
	// {"id":2,"title":"Kafka"}
}

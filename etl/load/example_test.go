package load_test

import (
	"context"
	"fmt"

	"github.com/articlekit/articlekit/etl/load"
)

// A Kettle sample, loaded by its extension and run.
func ExampleFile() {
	b, err := load.File("../ktr/testdata/Calculator - Substract constant value one from a number.ktr")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	res, err := b.Pipeline.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range res.Steps {
		fmt.Printf("%s: %d read, %d written\n", s.Name, s.Read, s.Written)
	}
	// Output:
	// Generate Rows: 0 read, 10 written
	// Calculator: 10 read, 10 written
}

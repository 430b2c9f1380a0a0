package pipefile_test

import (
	"fmt"
	"strings"

	"github.com/articlekit/articlekit/etl/pipefile"
)

func ExampleParse() {
	text := `name: nightly
schedule: {cron: "0 2 * * *"}
steps:
  - {name: read, type: file_input, path: "${IN}"}
  - {name: write, type: file_output, path: out.jsonl, format: jsonl}
`
	env := func(name string) (string, bool) { return map[string]string{"IN": "articles.csv"}[name], name == "IN" }
	f, err := pipefile.Parse(strings.NewReader(text), env) // os.LookupEnv in a program
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := f.Scheduled()
	fmt.Println(f.Name, f.Steps[0].Path, s.Cron, err)
	// Output: nightly articles.csv 0 2 * * * <nil>
}

package pipefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// File is a parsed pipeline file.
type File struct {
	Name        string            `yaml:"name"`
	Connections map[string]string `yaml:"connections"`
	// REST is the base URL of the ArticleKit REST API, for the articles,
	// validate and rest_writer steps.
	REST  string `yaml:"rest"`
	Steps []Step `yaml:"steps"`
	// Hops join the steps; without any, each step reads the main output of
	// the one before it.
	Hops []Hop `yaml:"hops"`
	// Schedule says when the pipeline runs; once when absent.
	Schedule ScheduleSpec `yaml:"schedule"`
}

// ScheduleSpec is a pipeline's schedule: one of every (a Go duration such
// as 5m), cron (five fields or @hourly), or continuous (with a pause).
type ScheduleSpec struct {
	Every      string `yaml:"every"`
	Cron       string `yaml:"cron"`
	Continuous bool   `yaml:"continuous"`
	Pause      string `yaml:"pause"`
}

// Hop joins two steps' ports (main when empty).
type Hop struct {
	From   string `yaml:"from"`
	Port   string `yaml:"port"`
	To     string `yaml:"to"`
	ToPort string `yaml:"to_port"`
}

// Step is one step: its name, type, copies and type-specific settings.
type Step struct {
	Name   string `yaml:"name"`
	Type   string `yaml:"type"`
	Copies int    `yaml:"copies"`

	// query
	Connection  string   `yaml:"connection"`
	SQL         string   `yaml:"sql"`
	Incremental []string `yaml:"incremental"`
	// Checkpoint names the table step that keeps an incremental query's
	// checkpoint, when several could.
	Checkpoint string `yaml:"checkpoint"`
	// table
	Table      string   `yaml:"table"`
	Mode       string   `yaml:"mode"`
	Keys       []string `yaml:"keys"`
	Columns    []string `yaml:"columns"`
	Version    string   `yaml:"version"`
	Truncate   bool     `yaml:"truncate"`
	Copy       bool     `yaml:"copy"`
	CommitSize int      `yaml:"commit_size"`
	Flag       string   `yaml:"flag"`
	// validate
	MaxRejects  int64 `yaml:"max_rejects"`
	Concurrency int   `yaml:"concurrency"`
	// file_input, file_output
	Path   string `yaml:"path"`
	Format string `yaml:"format"`
	// file_output: text fields holding JSON, written as JSON values
	JSON []string `yaml:"json"`
	// articles
	Author string `yaml:"author"`
	Tag    string `yaml:"tag"`
	// filter
	Where string `yaml:"where"`
	// compute, constants
	Fields []FieldSpec `yaml:"fields"`
	Remove []string    `yaml:"remove"`
	// select
	Select      []Rename    `yaml:"select"`
	Unspecified bool        `yaml:"unspecified"`
	Retype      []FieldSpec `yaml:"retype"`
	// map_values
	Field   string            `yaml:"field"`
	Target  string            `yaml:"target"`
	Mapping map[string]string `yaml:"mapping"`
	Default *string           `yaml:"default"`
	// sort, unique
	By     []string `yaml:"by"`
	Unique bool     `yaml:"unique"`
	// lookup
	Lookup []Rename `yaml:"lookup_keys"`
	Values []Rename `yaml:"values"`
}

// FieldSpec is a computed, constant or retyped field.
type FieldSpec struct {
	Name   string `yaml:"name"`
	Rename string `yaml:"rename"`
	Type   string `yaml:"type"`
	Expr   string `yaml:"expr"`
	Value  any    `yaml:"value"`
	Layout string `yaml:"layout"`
}

// Rename pairs a field with a new name (or a lookup key with its lookup
// field).
type Rename struct {
	Name string `yaml:"name"`
	As   string `yaml:"as"`
}

// maxFileSize bounds what Parse reads.
const maxFileSize = 4 << 20

var reference = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Parse reads a pipeline file, replacing ${NAME} in its values with
// lookup(NAME). A quoted value stays text; a plain one is read for what it
// becomes (commit_size: ${N} is a number). Substitution happens after
// parsing, so a value cannot change the file's structure; a reference
// inside a flow collection ([…] or {…}) must be quoted. Every reference
// without a value, unknown key or malformed value is an error.
func Parse(r io.Reader, lookup func(string) (string, bool)) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("pipefile: read: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("pipefile: larger than %d bytes", maxFileSize)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("pipefile: %w", err)
	}
	if root.Kind == 0 {
		return nil, errors.New("pipefile: empty file")
	}
	missing := map[string]bool{}
	substitute(&root, func(ref string) string {
		name := ref[2 : len(ref)-1]
		v, ok := lookup(name)
		if !ok {
			missing[name] = true
		}
		return v
	}, 0)
	if len(missing) > 0 {
		names := make([]string, 0, len(missing))
		for n := range missing {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("pipefile: no value for %s", strings.Join(names, ", "))
	}
	// Decoded again from text, so that unknown keys are caught.
	text, err := yaml.Marshal(&root)
	if err != nil {
		return nil, fmt.Errorf("pipefile: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("pipefile: empty file")
		}
		return nil, fmt.Errorf("pipefile: %w", err)
	}
	if f.Name == "" {
		return nil, errors.New("pipefile: the pipeline has no name")
	}
	if len(f.Steps) == 0 {
		return nil, errors.New("pipefile: the pipeline has no steps")
	}
	return &f, nil
}

// maxDepth bounds the nesting substitute walks.
const maxDepth = 100

// substitute replaces the references in n's scalars.
func substitute(n *yaml.Node, value func(ref string) string, depth int) {
	if depth > maxDepth {
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!binary" {
		if v := reference.ReplaceAllStringFunc(n.Value, value); v != n.Value {
			n.Value = v
			if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
				n.Tag, n.Style = "", 0 // plain: read for what it now is
			}
		}
	}
	for _, c := range n.Content {
		substitute(c, value, depth+1)
	}
}

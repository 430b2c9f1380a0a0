package ktr

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

const (
	// maxDocumentSize bounds what Parse reads: real transformations are
	// kilobytes, so anything near this is a mistake or an attack.
	maxDocumentSize = 64 << 20
	// maxDepth bounds element nesting. Kettle nests about six levels deep
	// (a little more for composite filter conditions).
	maxDepth = 256
	// maxCopies bounds <copies>, which starts that many goroutines.
	maxCopies = 1024
)

// Transformation is a parsed .ktr file.
type Transformation struct {
	// Name is <info><name>.
	Name string
	// Parameters are the named parameters of <info><parameters>.
	Parameters []Parameter
	// Connections are the top-level <connection> elements.
	Connections []Connection
	// Steps are the <step> elements, in file order.
	Steps []Step
	// Hops are the <order><hop> elements, disabled ones included.
	Hops []Hop
}

// Parameter is a named transformation parameter.
type Parameter struct {
	Name        string
	Default     string
	Description string
}

// Connection is a database connection as Kettle stores it. Fields hold the
// file's text, which may contain ${VAR} references, except Password: an
// obfuscated "Encrypted …" password is decoded, as Kettle does on load.
type Connection struct {
	Name     string
	Type     string // POSTGRESQL, MYSQL, MARIADB, SQLITE, GENERIC, H2, …
	Access   string // Native, JNDI, ODBC, …
	Host     string // <server>
	Database string
	Port     string
	Username string
	Password string
	// Attributes are the <attributes> codes and values, such as
	// CUSTOM_URL and CUSTOM_DRIVER_CLASS for GENERIC connections.
	Attributes map[string]string
}

// Hop links two steps: rows flow From → To unless the hop is disabled.
type Hop struct {
	From, To string
	Enabled  bool
}

// Step is one step of a transformation; Build reads its type-specific
// settings.
type Step struct {
	Name string
	Type string // Kettle's plugin id, e.g. "TableInput"
	// Copies is how many copies of the step run in parallel (<copies>,
	// default 1).
	Copies int
	// Distribute is true when rows are dealt round-robin to the next steps
	// and false when every next step gets a copy of each row
	// (<distribute>, default true).
	Distribute bool

	raw []byte // the whole <step> element, for decode
}

// Step returns the step named name.
func (t *Transformation) Step(name string) (Step, bool) {
	for _, s := range t.Steps {
		if s.Name == name {
			return s, true
		}
	}
	return Step{}, false
}

// Parse reads a .ktr document. It rejects documents that are not a Kettle
// transformation, steps without a name or type, duplicate step names, hops
// naming unknown steps and step copies outside 1..1024.
func Parse(r io.Reader) (*Transformation, error) {
	t, err := parse(r)
	if err != nil {
		return nil, fmt.Errorf("ktr: %w", err)
	}
	return t, nil
}

// ParseFile reads the .ktr file at path.
func ParseFile(path string) (*Transformation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ktr: %w", err)
	}
	defer f.Close()
	t, err := parse(f)
	if err != nil {
		return nil, fmt.Errorf("ktr: %s: %w", path, err)
	}
	return t, nil
}

// document is the part of a .ktr file this package reads.
type document struct {
	Info struct {
		Name       string `xml:"name"`
		Parameters []struct {
			Name        string `xml:"name"`
			Default     string `xml:"default_value"`
			Description string `xml:"description"`
		} `xml:"parameters>parameter"`
	} `xml:"info"`
	Connections []struct {
		Name       string `xml:"name"`
		Server     string `xml:"server"`
		Type       string `xml:"type"`
		Access     string `xml:"access"`
		Database   string `xml:"database"`
		Port       string `xml:"port"`
		Username   string `xml:"username"`
		Password   string `xml:"password"`
		Attributes []struct {
			Code  string `xml:"code"`
			Value string `xml:"attribute"`
		} `xml:"attributes>attribute"`
	} `xml:"connection"`
	Hops []struct {
		From    string `xml:"from"`
		To      string `xml:"to"`
		Enabled string `xml:"enabled"`
	} `xml:"order>hop"`
	Steps []struct {
		Name       string `xml:"name"`
		Type       string `xml:"type"`
		Copies     string `xml:"copies"`
		Distribute string `xml:"distribute"`
		Inner      []byte `xml:",innerxml"`
	} `xml:"step"`
}

func parse(r io.Reader) (*Transformation, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > maxDocumentSize {
		return nil, fmt.Errorf("document larger than %d MiB", maxDocumentSize>>20)
	}
	if err := checkShape(data); err != nil {
		return nil, err
	}
	var doc document
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}

	t := &Transformation{Name: doc.Info.Name}
	for _, p := range doc.Info.Parameters {
		t.Parameters = append(t.Parameters, Parameter{Name: p.Name, Default: p.Default, Description: p.Description})
	}
	for _, c := range doc.Connections {
		password, err := decodePassword(c.Password)
		if err != nil {
			return nil, fmt.Errorf("connection %q: password: %w", c.Name, err)
		}
		conn := Connection{
			Name: c.Name, Type: c.Type, Access: c.Access, Host: c.Server, Database: c.Database,
			Port: c.Port, Username: c.Username, Password: password,
			Attributes: make(map[string]string, len(c.Attributes)),
		}
		for _, a := range c.Attributes {
			conn.Attributes[a.Code] = a.Value
		}
		t.Connections = append(t.Connections, conn)
	}

	names := make(map[string]bool, len(doc.Steps))
	for i, s := range doc.Steps {
		if strings.TrimSpace(s.Name) == "" {
			return nil, fmt.Errorf("step %d has no name", i+1)
		}
		if names[s.Name] {
			return nil, fmt.Errorf("step %q: duplicate step name", s.Name)
		}
		names[s.Name] = true
		if strings.TrimSpace(s.Type) == "" {
			return nil, fmt.Errorf("step %q has no type", s.Name)
		}
		copies, err := parseCopies(s.Copies)
		if err != nil {
			return nil, fmt.Errorf("step %q: %w", s.Name, err)
		}
		distribute, err := parseYesNo(s.Distribute, true)
		if err != nil {
			return nil, fmt.Errorf("step %q: distribute: %w", s.Name, err)
		}
		raw := make([]byte, 0, len(s.Inner)+len("<step></step>"))
		raw = append(append(append(raw, "<step>"...), s.Inner...), "</step>"...)
		t.Steps = append(t.Steps, Step{Name: s.Name, Type: s.Type, Copies: copies, Distribute: bool(distribute), raw: raw})
	}

	for _, h := range doc.Hops {
		for _, name := range []string{h.From, h.To} {
			if !names[name] {
				return nil, fmt.Errorf("hop %q → %q: no step named %q", h.From, h.To, name)
			}
		}
		// Kettle treats a hop without <enabled> as enabled.
		enabled, err := parseYesNo(h.Enabled, true)
		if err != nil {
			return nil, fmt.Errorf("hop %q → %q: enabled: %w", h.From, h.To, err)
		}
		t.Hops = append(t.Hops, Hop{From: h.From, To: h.To, Enabled: bool(enabled)})
	}
	return t, nil
}

// checkShape makes sure data is one well-formed XML element named
// transformation, nested no deeper than maxDepth, before it is unmarshalled.
func checkShape(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not a well-formed XML document: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if roots++; roots > 1 {
					return errors.New("more than one root element")
				}
				if tok.Name.Local != "transformation" {
					return fmt.Errorf("root element is <%s>, want <transformation> (is this a .ktr file?)", tok.Name.Local)
				}
			}
			if depth++; depth > maxDepth {
				return fmt.Errorf("elements nested deeper than %d levels", maxDepth)
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(tok)) > 0 {
				return errors.New("not an XML document: text outside the root element")
			}
		}
	}
	if roots == 0 {
		return errors.New("not an XML document: no root element")
	}
	return nil
}

func parseCopies(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("copies %q is not a number", s)
	}
	if n < 1 || n > maxCopies {
		return 0, fmt.Errorf("copies %d out of range 1..%d", n, maxCopies)
	}
	return n, nil
}

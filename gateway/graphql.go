package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Why a GraphQL request is refused: the kinds of graphqlError, which
// problemFor maps.
var (
	errGraphQLUnreadable  = errors.New("the request cannot be read")
	errGraphQLRequest     = errors.New("not a well-formed GraphQL request")
	errGraphQLMediaType   = errors.New("not a GraphQL request's media type")
	errGraphQLTooLarge    = errors.New("the request is too large")
	errGraphQLParse       = errors.New("the document does not parse")
	errGraphQLInvalid     = errors.New("the document is not valid")
	errGraphQLDepth       = errors.New("the operation nests too deep")
	errGraphQLComplexity  = errors.New("the operation costs too much")
	errGraphQLMethod      = errors.New("GraphQL takes GET and POST")
	errGraphQLMutationGET = errors.New("a GET cannot run a mutation")
)

func refuse(kind error, format string, args ...any) error {
	return &graphqlError{kind: kind, detail: fmt.Sprintf(format, args...)}
}

const (
	// maxGraphQLBody bounds the POST bodies a GraphQL route reads, as the
	// GraphQL API's own default does.
	maxGraphQLBody = 1 << 20
	// maxGraphQLTokens bounds the tokens of a document the gateway parses
	// (names, punctuation, values).
	maxGraphQLTokens = 20_000
	// maxValidatedFields bounds the fields of a document the gateway
	// validates against a schema, fragments counted where they are spread
	// — the GraphQL API's own default: validation grows with the square of
	// the fields one selection repeats, and a document of 5000 took 5s.
	maxValidatedFields = 500
)

// Operation types, as indexes.
const (
	opQuery = iota
	opMutation
	opSubscription
)

var opTypes = [...]string{"query", "mutation", "subscription"}

func opIndex(o ast.Operation) int {
	switch o {
	case ast.Mutation:
		return opMutation
	case ast.Subscription:
		return opSubscription
	}
	return opQuery
}

// all is o's operations, by index.
func (o Operations) all() [3]Operation { return [3]Operation{o.Query, o.Mutation, o.Subscription} }

// rootType is schema's root type of operation type i, nil when it has none.
func rootType(schema *ast.Schema, i int) *ast.Definition {
	return [...]*ast.Definition{schema.Query, schema.Mutation, schema.Subscription}[i]
}

func loadSchema(sdl string) (*ast.Schema, error) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "schema", Input: sdl})
	if err != nil {
		return nil, err
	}
	return schema, nil
}

// graphqlRoute is a GraphQL route's settings, ready to classify requests.
type graphqlRoute struct {
	schema        *ast.Schema // nil without one
	roots         [3]string   // the root types' names, by operation type
	page          need        // what a request without an operation needs: the route's own
	ops           [3]opNeed   // by operation type
	maxDepth      int
	maxComplexity int
	batching      bool
	// docs remembers the documents that passed (parsed, validated), by
	// their text, so that a repeated one is looked up, not parsed again.
	docs *lru.Cache[string, *document]
}

// maxCachedDocuments and maxCachedDocument bound what docs holds.
const (
	maxCachedDocuments = 512
	maxCachedDocument  = 8 << 10
)

// need is what an operation type or a root field needs: the schemes and
// scopes to satisfy, and the limit (with an empty key, none) the
// operations carrying it count against.
type need struct {
	auth, scopes []string
	limit        check
}

// opNeed is an operation type's need, and its root fields' own.
type opNeed struct {
	need
	fields map[string]*need
}

// newGraphQLRoute readies rt's GraphQL settings; nil when it has none.
func newGraphQLRoute(rt *Route) (*graphqlRoute, error) {
	g := rt.GraphQL
	if g == nil {
		return nil, nil
	}
	gq := &graphqlRoute{
		roots:    [3]string{"Query", "Mutation", "Subscription"},
		page:     need{auth: rt.Auth, scopes: rt.Scopes},
		maxDepth: g.MaxDepth, maxComplexity: g.MaxComplexity, batching: g.Batching,
	}
	gq.docs, _ = lru.New[string, *document](maxCachedDocuments)
	sdl := g.Schema
	if g.SchemaFile != "" {
		data, err := readSchemaFile(g.SchemaFile)
		if err != nil {
			return nil, fmt.Errorf("gateway: route %q: graphql schema_file: %w", rt.Name, err)
		}
		sdl = data
	}
	if sdl != "" {
		schema, err := loadSchema(sdl)
		if err != nil {
			return nil, fmt.Errorf("gateway: route %q: graphql schema: %w", rt.Name, err)
		}
		gq.schema = schema
		for i := range gq.roots {
			if d := rootType(schema, i); d != nil {
				gq.roots[i] = d.Name
			}
		}
	}
	for i, op := range g.Operations.all() {
		auth, scopes := op.over(rt.Auth, rt.Scopes)
		key := rt.Name + ":" + opTypes[i]
		gq.ops[i] = opNeed{need: need{auth, scopes, limitCheck("operation", key, op.Limit)}, fields: map[string]*need{}}
		for name, f := range op.Fields {
			fAuth, fScopes := f.over(auth, scopes)
			gq.ops[i].fields[name] = &need{fAuth, fScopes, limitCheck("field", key+"."+name, f.Limit)}
		}
	}
	return gq, nil
}

// readSchemaFile reads a schema file of at most maxConfigSize bytes.
func readSchemaFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxConfigSize {
		return "", fmt.Errorf("%s: larger than %d bytes", name, maxConfigSize)
	}
	return string(data), nil
}

// limitCheck is the check of limit l, named kind, keyed by key; with an
// empty key when l is unlimited.
func limitCheck(kind, key string, l Limit) check {
	if l.Unlimited() {
		return check{}
	}
	return check{name: kind, key: "graphql:" + key, limit: l}
}

// demand is what one GraphQL request asks of the gateway: the needs its
// operations must each meet, and what it counts against limits.
type demand struct {
	operations int     // how many it carries: the tier and the route's limit count each
	needs      []*need // every one met by the request's credentials
	limits     []check // of its operation types and fields, each counting the operations that carry them
	mutation   bool    // some operation selects mutation fields
}

// graphqlParams are one GraphQL request's parameters, in the order and
// form the upstream gets them.
type graphqlParams struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName,omitempty"`
	Variables     json.RawMessage `json:"variables,omitempty"`
	Extensions    json.RawMessage `json:"extensions,omitempty"`
}

// read reads and classifies the GraphQL request r carries — a POST's JSON
// body (an object, or with batching an array of them), a GET's query
// parameters — and puts back for the upstream exactly what it classified:
// re-encoded, so that a duplicate or differently cased key, data after the
// JSON value or a GET's body cannot mean something else there. A GET
// without a query (GraphiQL's page, a WebSocket handshake) carries no
// operation: its demand is empty.
func (gq *graphqlRoute) read(r *http.Request) (*demand, error) {
	switch r.Method {
	case http.MethodPost:
		return gq.readPOST(r)
	case http.MethodGet:
		return gq.readGET(r)
	}
	return nil, refuse(errGraphQLMethod, "GraphQL takes GET and POST")
}

func (gq *graphqlRoute) readPOST(r *http.Request) (*demand, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if cs := params["charset"]; err != nil || mt != mediaJSON || (cs != "" && !strings.EqualFold(cs, "utf-8")) {
		return nil, refuse(errGraphQLMediaType, "a GraphQL POST is application/json")
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil, refuse(errGraphQLMediaType, "send the body without Content-Encoding")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxGraphQLBody+1))
	r.Body.Close()
	switch {
	case err != nil:
		return nil, refuse(errGraphQLUnreadable, "the body could not be read")
	case len(body) > maxGraphQLBody:
		return nil, refuse(errGraphQLTooLarge, "the body is over %d bytes", maxGraphQLBody)
	case !json.Valid(body):
		return nil, refuse(errGraphQLUnreadable, "the body is not valid JSON")
	}
	batch := bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("["))
	var requests []graphqlParams
	if batch {
		if !gq.batching {
			return nil, refuse(errGraphQLRequest, "a batch (a JSON array of requests) is not accepted here")
		}
		err = json.Unmarshal(body, &requests)
		if err == nil && len(requests) == 0 {
			return nil, refuse(errGraphQLRequest, "the batch is empty")
		}
	} else {
		requests = make([]graphqlParams, 1)
		err = json.Unmarshal(body, &requests[0])
	}
	if err != nil {
		return nil, refuse(errGraphQLRequest, "a GraphQL request is an object whose query and operationName are strings")
	}
	d := &demand{}
	for i := range requests {
		if err := gq.classify(&requests[i], d); err != nil {
			return nil, err
		}
	}
	var out []byte
	if batch {
		out, err = json.Marshal(requests)
	} else {
		out, err = json.Marshal(requests[0])
	}
	if err != nil {
		return nil, err // valid JSON in, valid JSON out: a bug
	}
	r.Body, r.ContentLength, r.TransferEncoding = io.NopCloser(bytes.NewReader(out)), int64(len(out)), nil
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(out)), nil }
	// Some servers read GraphQL's parameters from a POST's query string
	// too, before its body: none go on there.
	if r.URL.RawQuery != "" {
		values, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, refuse(errGraphQLUnreadable, "the query string does not parse")
		}
		for _, name := range graphqlGETParams {
			values.Del(name)
		}
		r.URL.RawQuery = values.Encode()
	}
	return d, nil
}

// graphqlGETParams are the query parameters GraphQL over HTTP gives GETs.
var graphqlGETParams = [...]string{"query", "operationName", "variables", "extensions"}

func (gq *graphqlRoute) readGET(r *http.Request) (*demand, error) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, refuse(errGraphQLUnreadable, "the query string does not parse")
	}
	for _, name := range graphqlGETParams {
		if len(values[name]) > 1 {
			return nil, refuse(errGraphQLRequest, "%s is given more than once", name)
		}
	}
	p := graphqlParams{Query: values.Get("query"), OperationName: values.Get("operationName")}
	for name, raw := range map[string]*json.RawMessage{"variables": &p.Variables, "extensions": &p.Extensions} {
		if v := values.Get(name); v != "" {
			if !json.Valid([]byte(v)) {
				return nil, refuse(errGraphQLUnreadable, "%s is not valid JSON", name)
			}
			*raw = json.RawMessage(v)
		}
	}
	// A GET's body is no part of its GraphQL request: none goes on.
	r.Body, r.ContentLength, r.TransferEncoding, r.GetBody = http.NoBody, 0, nil, nil
	if p.Query == "" && p.OperationName == "" && p.Variables == nil && p.Extensions == nil {
		return &demand{}, nil
	}
	d := &demand{}
	if err := gq.classify(&p, d); err != nil {
		return nil, err
	}
	if d.mutation {
		return nil, refuse(errGraphQLMutationGET, "a GET cannot run a mutation: POST it")
	}
	for i, v := range [...]string{p.Query, p.OperationName, string(p.Variables), string(p.Extensions)} {
		if v == "" {
			values.Del(graphqlGETParams[i])
		} else {
			values.Set(graphqlGETParams[i], v)
		}
	}
	r.URL.RawQuery = values.Encode()
	return d, nil
}

// classify parses p's document, picks the operation p names (the only one
// when it names none), checks it against the route's limits and schema,
// and adds to d what it needs.
func (gq *graphqlRoute) classify(p *graphqlParams, d *demand) error {
	if p.Query == "" {
		return refuse(errGraphQLRequest, "the request has no query (the gateway needs the document: persisted queries are not supported)")
	}
	for _, raw := range []json.RawMessage{p.Variables, p.Extensions} {
		if len(raw) > 0 && raw[0] != '{' && string(raw) != "null" {
			return refuse(errGraphQLRequest, "variables and extensions are JSON objects")
		}
	}
	doc, cached := gq.docs.Get(p.Query)
	if !cached {
		var err error
		if doc, err = parseDocument(p.Query); err != nil {
			return err
		}
	}
	op, err := doc.operation(p.OperationName)
	if err != nil {
		return err
	}
	if err := gq.measure(doc, op, p.Variables); err != nil {
		return err
	}
	if !cached {
		if gq.schema != nil {
			if n := countFields(doc); n > maxValidatedFields {
				return refuse(errGraphQLComplexity, "the document has more than %d fields (fragments counted where they are spread)", maxValidatedFields)
			}
			if errs := validator.ValidateWithRules(gq.schema, doc.QueryDocument, nil); len(errs) > 0 {
				detail := describe(errs[0])
				if len(errs) > 1 {
					detail += fmt.Sprintf(" (and %d more)", len(errs)-1)
				}
				return refuse(errGraphQLInvalid, "%s", detail)
			}
		}
		if len(p.Query) <= maxCachedDocument {
			gq.docs.Add(p.Query, doc)
		}
	}
	gq.demand(doc, op, d)
	return nil
}

// document is a parsed document and its fragments by name. Once
// validated (and remembered), it is only read.
type document struct {
	*ast.QueryDocument
	fragments map[string]*ast.FragmentDefinition
}

// parseDocument parses query. A document with two fragments of one name is
// refused too: which of them would run is for a validating upstream to
// refuse, not for the gateway to guess.
func parseDocument(query string) (*document, error) {
	parsed, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxGraphQLTokens)
	if err != nil {
		return nil, refuse(errGraphQLParse, "%s", describe(err))
	}
	doc := &document{QueryDocument: parsed, fragments: make(map[string]*ast.FragmentDefinition, len(parsed.Fragments))}
	for _, f := range parsed.Fragments {
		if doc.fragments[f.Name] != nil {
			return nil, refuse(errGraphQLInvalid, "there are two fragments named %q", f.Name)
		}
		doc.fragments[f.Name] = f
	}
	return doc, nil
}

// describe is a parser's or validator's error as a client may read it:
// the message, and where in the document.
func describe(err error) string {
	var ge *gqlerror.Error
	if !errors.As(err, &ge) {
		return err.Error()
	}
	if len(ge.Locations) > 0 {
		return fmt.Sprintf("%s (line %d, column %d)", ge.Message, ge.Locations[0].Line, ge.Locations[0].Column)
	}
	return ge.Message
}

// operation is the operation of doc that name picks, as GraphQL's
// GetOperation does: the only one when name is empty.
func (doc *document) operation(name string) (*ast.OperationDefinition, error) {
	if name == "" {
		switch len(doc.Operations) {
		case 0:
			return nil, refuse(errGraphQLInvalid, "the document has no operation")
		case 1:
			return doc.Operations[0], nil
		}
		return nil, refuse(errGraphQLInvalid, "the document has %d operations: operationName must name one", len(doc.Operations))
	}
	var op *ast.OperationDefinition
	for _, o := range doc.Operations {
		if o.Name != name {
			continue
		}
		if op != nil {
			return nil, refuse(errGraphQLInvalid, "there are two operations named %q", name)
		}
		op = o
	}
	if op == nil {
		return nil, refuse(errGraphQLInvalid, "the document has no operation named %q", name)
	}
	return op, nil
}

// demand adds to d what op needs: for each root field, its own need or its
// operation type's; each operation type's and field's limit once.
func (gq *graphqlRoute) demand(doc *document, op *ast.OperationDefinition, d *demand) {
	d.operations++
	var limits []check // this operation's, each once
	limit := func(c check) {
		if c.key != "" && !slices.ContainsFunc(limits, func(x check) bool { return x.key == c.key }) {
			limits = append(limits, c)
		}
	}
	count := func(n *need) {
		if !slices.Contains(d.needs, n) {
			d.needs = append(d.needs, n)
		}
		limit(n.limit)
	}
	var types [3]bool
	types[opIndex(op.Operation)] = true
	fields := gq.rootFields(doc, op)
	for _, f := range fields {
		types[f.typ] = true
		if own, ok := gq.ops[f.typ].fields[f.name]; ok {
			count(own)
		} else {
			count(&gq.ops[f.typ].need)
		}
	}
	if len(fields) == 0 { // spreads of fragments it does not define: for the upstream to refuse
		count(&gq.ops[opIndex(op.Operation)].need)
	}
	for i, t := range types {
		if t {
			limit(gq.ops[i].limit)
		}
	}
	d.mutation = d.mutation || types[opMutation]
	for _, c := range limits {
		if i := slices.IndexFunc(d.limits, func(x check) bool { return x.key == c.key }); i >= 0 {
			d.limits[i].n++
		} else {
			c.n = 1
			d.limits = append(d.limits, c)
		}
	}
}

// rootField is a root field an operation selects, on a root type.
type rootField struct {
	typ  int // the operation type whose root type it is on
	name string
}

// rootFields lists the root fields op selects, through inline fragments
// and fragment spreads (each followed once), with the root type each is
// selected on: the operation's own, or another root type a fragment's type
// condition names — which validation refuses, and which counts here all
// the same, so that `query { ...on Mutation { createArticle } }` needs what
// a mutation does. Aliases do not change a field's name; @skip and
// @include do not count: a field that may run is classified as if it did.
func (gq *graphqlRoute) rootFields(doc *document, op *ast.OperationDefinition) []rootField {
	var fields []rootField
	seen := map[rootField]bool{}     // fields
	followed := map[rootField]bool{} // fragment spreads, by name and the type they are spread on
	var walk func(set ast.SelectionSet, typ int)
	walk = func(set ast.SelectionSet, typ int) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if f := (rootField{typ, sel.Name}); !seen[f] {
					seen[f] = true
					fields = append(fields, f)
				}
			case *ast.InlineFragment:
				walk(sel.SelectionSet, gq.typeOf(sel.TypeCondition, typ))
			case *ast.FragmentSpread:
				def := doc.fragments[sel.Name]
				if key := (rootField{typ, sel.Name}); def != nil && !followed[key] {
					followed[key] = true
					walk(def.SelectionSet, gq.typeOf(def.TypeCondition, typ))
				}
			}
		}
	}
	walk(op.SelectionSet, opIndex(op.Operation))
	return fields
}

// typeOf is the operation type whose root type cond names, typ when it
// names none (no condition, an interface).
func (gq *graphqlRoute) typeOf(cond string, typ int) int {
	if i := slices.Index(gq.roots[:], cond); i >= 0 {
		return i
	}
	return typ
}

// unbounded stands for a fragment cycle's depth and cost, over any limit.
const unbounded = 1 << 40

// measure refuses op when it nests deeper than MaxDepth or costs more than
// MaxComplexity (see GraphQL). Each fragment is measured once, however
// often it is spread, so no document makes this work hard.
func (gq *graphqlRoute) measure(doc *document, op *ast.OperationDefinition, variables json.RawMessage) error {
	if gq.maxDepth <= 0 && gq.maxComplexity <= 0 {
		return nil
	}
	m := measurer{doc: doc, op: op, variables: variables, depths: map[string]int{}, costs: map[string]int{},
		ceiling: gq.maxComplexity + 1}
	if gq.maxDepth > 0 {
		switch depth := m.depth(op.SelectionSet); {
		case depth >= unbounded:
			return refuse(errGraphQLInvalid, "the document's fragments spread each other in a cycle")
		case depth > gq.maxDepth:
			return refuse(errGraphQLDepth, "the operation nests %d fields deep; the limit is %d", depth, gq.maxDepth)
		}
	}
	if gq.maxComplexity > 0 {
		switch cost := m.cost(op.SelectionSet); {
		case cost >= unbounded:
			return refuse(errGraphQLInvalid, "the document's fragments spread each other in a cycle")
		case cost > gq.maxComplexity:
			return refuse(errGraphQLComplexity, "the operation costs more than %d, the limit", gq.maxComplexity)
		}
	}
	return nil
}

// countFields is how many fields doc has, every operation's and every
// fragment's, a fragment's counted again where it is spread; it stops
// counting past maxValidatedFields.
func countFields(doc *document) int {
	m := measurer{doc: doc, ceiling: maxValidatedFields + 1, costs: map[string]int{}, fieldsOnly: true}
	total := 0
	for _, op := range doc.Operations {
		total = min(total+m.cost(op.SelectionSet), m.ceiling)
	}
	for _, f := range doc.Fragments {
		total = min(total+m.fragment(m.costs, f.Name, m.cost), m.ceiling)
	}
	return total
}

// measurer measures one operation's depth and cost, or a document's
// fields, remembering each fragment's.
type measurer struct {
	doc       *document
	op        *ast.OperationDefinition
	variables json.RawMessage
	vars      map[string]json.RawMessage // decoded when first needed
	depths    map[string]int
	costs     map[string]int
	ceiling   int // costs stop growing here: over the limit is enough to know
	// fieldsOnly counts each field once, whatever its list size: the
	// cost is then the number of fields.
	fieldsOnly bool
}

// depth is how deep set's fields nest: a field is 1 deep, its selections
// one more. A schema query (__schema, __type) is 1 deep whatever it
// selects, as the GraphQL API counts it: below it is the schema's own
// shape, finite and bounded by the complexity limit, which GraphiQL's
// schema query walks fifteen fields deep.
func (m *measurer) depth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__schema" || sel.Name == "__type" {
				deepest = max(deepest, 1)
				continue
			}
			deepest = max(deepest, 1+m.depth(sel.SelectionSet))
		case *ast.InlineFragment:
			deepest = max(deepest, m.depth(sel.SelectionSet))
		case *ast.FragmentSpread:
			deepest = max(deepest, m.fragment(m.depths, sel.Name, m.depth))
		}
	}
	return deepest
}

// cost is set's complexity: 1 a field, and its selections' cost times its
// list size (see size).
func (m *measurer) cost(set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		var c int
		switch sel := sel.(type) {
		case *ast.Field:
			c = 1
			switch inner, n := m.cost(sel.SelectionSet), m.size(sel.Arguments); {
			case inner >= unbounded:
				c = unbounded
			case n > 0 && inner > (m.ceiling-1)/n:
				c = m.ceiling
			default:
				c += n * inner
			}
		case *ast.InlineFragment:
			c = m.cost(sel.SelectionSet)
		case *ast.FragmentSpread:
			c = m.fragment(m.costs, sel.Name, m.cost)
		}
		total = min(total+c, max(m.ceiling, c))
	}
	return total
}

// fragment is the measure of the fragment name, remembered in memo; a
// fragment met again while it is measured is a cycle: unbounded.
func (m *measurer) fragment(memo map[string]int, name string, measure func(ast.SelectionSet) int) int {
	if v, ok := memo[name]; ok {
		return v
	}
	def := m.doc.fragments[name]
	if def == nil {
		return 0 // for the upstream to refuse
	}
	memo[name] = unbounded
	v := measure(def.SelectionSet)
	memo[name] = v
	return v
}

// size is how many items a field with these arguments stands for: its
// limit, first or last argument, a literal or a variable's value (the
// request's, else the variable's default); 1 without.
func (m *measurer) size(args ast.ArgumentList) int {
	if m.fieldsOnly {
		return 1
	}
	for _, a := range args {
		if (a.Name != "limit" && a.Name != "first" && a.Name != "last") || a.Value == nil {
			continue
		}
		v := a.Value
		if v.Kind == ast.Variable {
			if raw, ok := m.variable(v.Raw); ok {
				if n, ok := count(string(raw)); ok {
					return n
				}
				continue
			}
			def := m.op.VariableDefinitions.ForName(v.Raw)
			if def == nil || def.DefaultValue == nil {
				continue
			}
			v = def.DefaultValue
		}
		if n, ok := count(v.Raw); ok && v.Kind == ast.IntValue {
			return n
		}
	}
	return 1
}

// count reads a list size, an integer as JSON or GraphQL writes it; a
// negative one is 0, a huge one unbounded.
func count(s string) (int, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return 0, false
	}
	return int(min(max(f, 0), unbounded)), true
}

// variable is the request's value of the variable name, as JSON.
func (m *measurer) variable(name string) (json.RawMessage, bool) {
	if m.vars == nil {
		m.vars = map[string]json.RawMessage{}
		_ = json.Unmarshal(m.variables, &m.vars) // not an object: no values
	}
	raw, ok := m.vars[name]
	return raw, ok && string(raw) != "null"
}

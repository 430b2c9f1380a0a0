package graphqlapi

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// documentLimits bounds what a document may cost to parse and validate,
// before the validator sees it. Validation is not linear — comparing the
// fields of one selection set that share a response name grows with their
// square — so a document of thousands of repeated fields or aliases could
// keep a CPU busy for seconds; limits on tokens, fields (with fragments
// expanded where they are spread), aliases and directives keep the worst
// document these limits allow to milliseconds.
//
// Documents that passed are remembered, as gqlgen's query cache remembers
// the parsed ones, so a repeated query is looked up, not parsed again.
type documentLimits struct {
	tokens, fields, aliases, directives int
	passed                              graphql.Cache[struct{}]
}

func newDocumentLimits(cfg Config) *documentLimits {
	return &documentLimits{tokens: cfg.MaxTokens, fields: cfg.MaxFields, aliases: cfg.MaxAliases,
		directives: cfg.MaxDirectives, passed: lru.New[struct{}](1000)}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*documentLimits)(nil)

func (*documentLimits) ExtensionName() string                   { return "DocumentLimits" }
func (*documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (l *documentLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, ok := l.passed.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.tokens)
	if err != nil {
		gqlErr, ok := err.(*gqlerror.Error)
		if !ok {
			gqlErr = gqlerror.Wrap(err)
		}
		errcode.Set(gqlErr, errcode.ParseFailed)
		return gqlErr
	}
	if err := l.check(doc); err != nil {
		return err
	}
	l.passed.Add(ctx, p.Query, struct{}{})
	return nil
}

// check counts doc's fields, aliases and directives, stopping as soon as
// one is over its limit.
func (l *documentLimits) check(doc *ast.QueryDocument) *gqlerror.Error {
	c := counter{doc: doc, limits: l, expanded: map[string]int{}}
	for _, op := range doc.Operations {
		c.directives += len(op.Directives)
		c.count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		c.directives += len(f.Directives)
		c.count(f.SelectionSet)
	}
	switch {
	case c.fields > l.fields:
		return limitError("fields (fragments counted where they are spread)", l.fields)
	case c.aliases > l.aliases:
		return limitError("aliases", l.aliases)
	case c.directives > l.directives:
		return limitError("directives", l.directives)
	}
	return nil
}

func limitError(what string, limit int) *gqlerror.Error {
	err := gqlerror.Errorf("the document has more than %d %s", limit, what)
	errcode.Set(err, CodeDocumentLimit)
	return err
}

// counter tallies a document as validation will walk it.
type counter struct {
	doc                         *ast.QueryDocument
	limits                      *documentLimits
	fields, aliases, directives int
	expanded                    map[string]int // fragment → fields it adds where spread
}

func (c *counter) over() bool {
	return c.fields > c.limits.fields || c.aliases > c.limits.aliases || c.directives > c.limits.directives
}

// count tallies set; a fragment spread adds the fragment's fields each time.
func (c *counter) count(set ast.SelectionSet) {
	for _, sel := range set {
		if c.over() {
			return
		}
		switch sel := sel.(type) {
		case *ast.Field:
			c.fields++
			if sel.Alias != "" && sel.Alias != sel.Name {
				c.aliases++
			}
			c.directives += len(sel.Directives)
			c.count(sel.SelectionSet)
		case *ast.InlineFragment:
			c.directives += len(sel.Directives)
			c.count(sel.SelectionSet)
		case *ast.FragmentSpread:
			c.directives += len(sel.Directives)
			c.fields += c.fragmentFields(sel.Name)
		}
	}
}

// fragmentFields is how many fields the fragment name adds where it is
// spread, its own spreads expanded; past the limit (a cycle is, at once)
// it stops counting.
func (c *counter) fragmentFields(name string) int {
	if n, ok := c.expanded[name]; ok {
		return n
	}
	def := c.doc.Fragments.ForName(name)
	if def == nil {
		return 0 // validation reports it
	}
	c.expanded[name] = c.limits.fields + 1 // while counting: a cycle is over the limit
	sub := counter{doc: c.doc, limits: c.limits, expanded: c.expanded}
	sub.count(def.SelectionSet)
	n := min(sub.fields, c.limits.fields+1)
	c.expanded[name] = n
	return n
}

package graphqlapi

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit rejects operations nested deeper than max fields, before any
// resolver runs. Introspection (__schema, __type) counts as one field
// whatever it selects: below it is the schema's own shape, which
// gqlparser's MaxIntrospectionDepth rule (lists of types nested at most
// three deep), the document limits and the complexity limit already bound,
// and whose non-list nesting (ofType) ends where the schema's types do.
// Counting it would refuse GraphiQL's schema query, which nests ofType nine
// deep, at any limit a client's own queries need.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := (depthMeter{}).depth(oc.Operation.SelectionSet); depth > d.max {
		err := gqlerror.Errorf("operation is nested %d fields deep; the limit is %d", depth, d.max)
		errcode.Set(err, CodeDepthExceeded)
		return err
	}
	return nil
}

// depthMeter measures the deepest path of fields in a selection set,
// following fragments. It remembers each fragment's depth, which does not
// depend on where the fragment is spread, so that measuring is linear in
// the document — the token limit bounds it — however often fragments are
// spread, and the depth it reports is the real one.
type depthMeter map[string]int // fragment name → depth of its selection set

func (m depthMeter) depth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch sel := sel.(type) {
		case *ast.Field:
			d = 1
			if !isIntrospection(sel) {
				d += m.depth(sel.SelectionSet)
			}
		case *ast.InlineFragment:
			d = m.depth(sel.SelectionSet)
		case *ast.FragmentSpread:
			d = m.fragment(sel)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

func (m depthMeter) fragment(spread *ast.FragmentSpread) int {
	if d, ok := m[spread.Name]; ok {
		return d
	}
	if spread.Definition == nil {
		return 0 // validation reports it
	}
	// Validation has already refused fragment cycles; one adds no depth here.
	m[spread.Name] = 0
	d := m.depth(spread.Definition.SelectionSet)
	m[spread.Name] = d
	return d
}

// isIntrospection reports whether f queries the schema.
func isIntrospection(f *ast.Field) bool { return f.Name == "__schema" || f.Name == "__type" }

// noIntrospection refuses operations that query the schema (__schema,
// __type) when introspection is switched off. Refusing them while
// validating, rather than failing the fields at run time, gives clients a
// validation error and runs no resolver.
type noIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = noIntrospection{}

func (noIntrospection) ExtensionName() string                   { return "NoIntrospection" }
func (noIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (noIntrospection) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation != nil && introspects(oc.Operation.SelectionSet) {
		err := gqlerror.Errorf("introspection is disabled on this server")
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	return nil
}

// introspects reports whether set selects __schema or __type anywhere.
func introspects(set ast.SelectionSet, visiting ...string) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if isIntrospection(sel) || introspects(sel.SelectionSet, visiting...) {
				return true
			}
		case *ast.InlineFragment:
			if introspects(sel.SelectionSet, visiting...) {
				return true
			}
		case *ast.FragmentSpread:
			if sel.Definition != nil && !slices.Contains(visiting, sel.Name) &&
				introspects(sel.Definition.SelectionSet, append(visiting, sel.Name)...) {
				return true
			}
		}
	}
	return false
}

// overHTTP marks the context of requests that came as plain HTTP POSTs or
// GETs, not over a WebSocket.
type overHTTP struct{}

// subscriptionsOverWebSocket refuses subscriptions sent as plain HTTP
// requests, which would otherwise hold the request open until the first
// event or the timeout: subscriptions take a WebSocket
// (graphql-transport-ws).
type subscriptionsOverWebSocket struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = subscriptionsOverWebSocket{}

func (subscriptionsOverWebSocket) ExtensionName() string                   { return "SubscriptionsOverWebSocket" }
func (subscriptionsOverWebSocket) Validate(graphql.ExecutableSchema) error { return nil }

func (subscriptionsOverWebSocket) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation != nil && oc.Operation.Operation == ast.Subscription && ctx.Value(overHTTP{}) != nil {
		err := gqlerror.Errorf("subscriptions need a WebSocket connection (graphql-transport-ws)")
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	return nil
}

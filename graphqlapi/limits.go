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
// resolver runs.
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
	if depth := selectionDepth(oc.Operation.SelectionSet, d.max+1); depth > d.max {
		err := gqlerror.Errorf("operation is nested %d fields deep; the limit is %d", depth, d.max)
		errcode.Set(err, CodeDepthExceeded)
		return err
	}
	return nil
}

// selectionDepth measures the deepest field path in set, following
// fragments, and stops counting at ceiling so that no document can make it
// work hard. Validation has already refused fragment cycles; visiting
// guards against them all the same.
func selectionDepth(set ast.SelectionSet, ceiling int, visiting ...string) int {
	if ceiling <= 0 {
		return 0
	}
	deepest := 0
	for _, sel := range set {
		var d int
		switch sel := sel.(type) {
		case *ast.Field:
			d = 1 + selectionDepth(sel.SelectionSet, ceiling-1, visiting...)
		case *ast.InlineFragment:
			d = selectionDepth(sel.SelectionSet, ceiling, visiting...)
		case *ast.FragmentSpread:
			if sel.Definition != nil && !slices.Contains(visiting, sel.Name) {
				d = selectionDepth(sel.Definition.SelectionSet, ceiling, append(visiting, sel.Name)...)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

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
			if sel.Name == "__schema" || sel.Name == "__type" || introspects(sel.SelectionSet, visiting...) {
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

// overPOST marks the context of requests that came as HTTP POSTs.
type overPOST struct{}

// subscriptionsOverWebSocket refuses subscriptions sent as HTTP POSTs, which
// would otherwise hold the request open until the first event or the
// timeout: subscriptions take a WebSocket (graphql-transport-ws).
type subscriptionsOverWebSocket struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = subscriptionsOverWebSocket{}

func (subscriptionsOverWebSocket) ExtensionName() string                   { return "SubscriptionsOverWebSocket" }
func (subscriptionsOverWebSocket) Validate(graphql.ExecutableSchema) error { return nil }

func (subscriptionsOverWebSocket) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation != nil && oc.Operation.Operation == ast.Subscription && ctx.Value(overPOST{}) != nil {
		err := gqlerror.Errorf("subscriptions need a WebSocket connection (graphql-transport-ws)")
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	return nil
}

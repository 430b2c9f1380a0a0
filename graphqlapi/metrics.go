package graphqlapi

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
)

// operationMetrics records every GraphQL response:
//
//	graphql_operations_total{operation,type,outcome}      counter
//	graphql_operation_duration_seconds{operation,type}    histogram
//
// operation is the operation's root field (getArticle, createArticle, …),
// several joined by "+", or "unknown" when the document did not parse: it
// is bounded by the schema, unlike client-chosen operation names. type is
// query, mutation or subscription; outcome is "ok" or the first error's
// code. A subscription counts one response per event, and its duration is
// not observed.
type operationMetrics struct {
	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = (*operationMetrics)(nil)

func newOperationMetrics(reg prometheus.Registerer) (*operationMetrics, error) {
	m := &operationMetrics{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphql_operations_total",
			Help: "GraphQL responses, by root field, operation type and outcome (ok or error code).",
		}, []string{"operation", "type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "graphql_operation_duration_seconds",
			Help:    "Time to execute GraphQL queries and mutations, by root field and operation type.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation", "type"}),
	}
	for _, c := range []prometheus.Collector{m.total, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (*operationMetrics) ExtensionName() string                   { return "OperationMetrics" }
func (*operationMetrics) Validate(graphql.ExecutableSchema) error { return nil }

func (m *operationMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	operation, typ := "unknown", "unknown"
	var start time.Time
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		start = oc.Stats.OperationStart
		if oc.Operation != nil {
			operation, typ = rootFields(oc.Operation.SelectionSet), string(oc.Operation.Operation)
		}
	}
	outcome := "ok"
	if len(resp.Errors) > 0 {
		outcome = "error"
		if code, ok := resp.Errors[0].Extensions["code"].(string); ok {
			outcome = code
		}
	}
	m.total.WithLabelValues(operation, typ, outcome).Inc()
	if (typ == string(ast.Query) || typ == string(ast.Mutation)) && !start.IsZero() {
		m.duration.WithLabelValues(operation, typ).Observe(time.Since(start).Seconds())
	}
	return resp
}

// rootFields names the operation by its distinct root fields, sorted.
func rootFields(set ast.SelectionSet) string {
	var names []string
	for _, sel := range set {
		if f, ok := sel.(*ast.Field); ok && !slices.Contains(names, f.Name) {
			names = append(names, f.Name)
		}
	}
	if len(names) == 0 {
		return "unknown"
	}
	slices.Sort(names)
	return strings.Join(names, "+")
}

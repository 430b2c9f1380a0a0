package step

import (
	"fmt"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/articlekit/articlekit/etl"
)

// Expression computes a value from a row. Bind fits it to the rows of one
// schema, returning what evaluates it; each copy of a step binds its own,
// so an Evaluator need not be safe for concurrent use.
type Expression interface {
	Bind(in *etl.Schema) (Evaluator, error)
}

// Evaluator computes an expression's value for one row.
type Evaluator func(etl.Row) (any, error)

// Expr is an expression in the expr language (https://expr-lang.org): the
// row's fields are variables (`$env["a field"]` for names that are not
// identifiers), with expr's builtins (trim, upper, lower, replace, split,
// len, now, date, duration, …). Examples: `author != "" && len(tags) > 0`,
// `upper(trim(title))`, `version + 1`.
type Expr string

// maxExprNodes bounds the size of an expression, so that a hostile pipeline
// file cannot make compiling it expensive.
const maxExprNodes = 10_000

// Bind compiles the expression against the schema: an unknown field or a
// syntax error is reported here, before any row moves.
func (e Expr) Bind(in *etl.Schema) (Evaluator, error) {
	env := make(map[string]any, in.Len())
	for _, f := range in.Fields() {
		env[f.Name] = zeroOf(f.Type)
	}
	program, err := expr.Compile(string(e), expr.Env(env), expr.MaxNodes(maxExprNodes))
	if err != nil {
		return nil, &ExprError{Expr: string(e), Err: err}
	}
	names := in.Names()
	var machine vm.VM
	return func(row etl.Row) (any, error) {
		for i, name := range names {
			env[name] = row[i]
		}
		v, err := machine.Run(program, env)
		if err != nil {
			return nil, &ExprError{Expr: string(e), Err: err}
		}
		return etl.Normalize(v), nil
	}, nil
}

// ExprError is an expression that does not compile or failed on a row.
type ExprError struct {
	Expr string
	Err  error
}

func (e *ExprError) Error() string { return fmt.Sprintf("expression %q: %v", e.Expr, e.Err) }

func (e *ExprError) Unwrap() error { return e.Err }

// zeroOf is a value of t for type-checking expressions; Any fields are
// checked loosely.
func zeroOf(t etl.Type) any {
	switch t {
	case etl.String:
		return ""
	case etl.Integer:
		return int64(0)
	case etl.Number:
		return float64(0)
	case etl.Boolean:
		return false
	case etl.Time:
		return time.Time{}
	case etl.Binary:
		return []byte(nil)
	default:
		return nil
	}
}

// Func is an Expression computed by Go code from the named fields.
type Func struct {
	Fields []string
	Fn     func(args []any) (any, error)
}

// Bind checks that the fields exist.
func (f Func) Bind(in *etl.Schema) (Evaluator, error) {
	idx, err := in.Require(f.Fields...)
	if err != nil {
		return nil, err
	}
	args := make([]any, len(idx))
	return func(row etl.Row) (any, error) {
		for i, j := range idx {
			args[i] = row[j]
		}
		return f.Fn(args)
	}, nil
}

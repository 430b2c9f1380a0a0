package graphqlapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/graphqlapi/internal/scalars"
)

// Error codes, in extensions.code of GraphQL errors. gqlgen's own codes
// (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
// COMPLEXITY_LIMIT_EXCEEDED) pass through unchanged.
const (
	// CodeBadRequest refuses a request that is not a GraphQL request: a
	// body that is not a JSON object of the request parameters (400), not
	// sent as application/json (415), a mutation sent as a GET (405).
	CodeBadRequest    = "BAD_REQUEST"
	CodeNotFound      = "NOT_FOUND"
	CodeBadUserInput  = "BAD_USER_INPUT"
	CodeConflict      = "CONFLICT"
	CodeUnavailable   = "UNAVAILABLE"
	CodeTimeout       = "TIMEOUT"
	CodeCanceled      = "CANCELED"
	CodeDepthExceeded = "DEPTH_LIMIT_EXCEEDED"
	// CodeDocumentLimit refuses a document with more fields, aliases or
	// directives than the limits allow (Config.MaxFields and friends).
	CodeDocumentLimit = "DOCUMENT_LIMIT_EXCEEDED"
	CodeInternal      = "INTERNAL_SERVER_ERROR"
)

// presentError maps errors to GraphQL errors with an extensions.code. It is
// the only place where errors become codes, and the only place that
// decides what a client may read: messages of unexpected errors are
// replaced, and their cause is logged.
func presentError(log *zap.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		set := func(code, message string) *gqlerror.Error {
			gqlErr.Message = message
			gqlErr.Extensions = map[string]any{"code": code}
			return gqlErr
		}
		var invalid *articles.ValidationError
		switch {
		case errors.As(err, &invalid):
			set(CodeBadUserInput, invalid.Error())
			gqlErr.Extensions["fields"] = invalid.Fields
			return gqlErr
		case errors.Is(err, scalars.ErrBadID):
			return set(CodeBadUserInput, gqlErr.Message)
		case errors.Is(err, articles.ErrInvalid):
			return set(CodeBadUserInput, "the article service refused the request as invalid")
		case errors.Is(err, articles.ErrNotFound):
			return set(CodeNotFound, "article not found")
		case errors.Is(err, articles.ErrConflict):
			return set(CodeConflict, "the article changed: its version is not the expected one")
		case errors.Is(err, articles.ErrUnavailable):
			log.Warn("article backend unavailable", zap.Error(err))
			return set(CodeUnavailable, "the article service is unavailable; retry later")
		case errors.Is(err, context.DeadlineExceeded):
			return set(CodeTimeout, "the request took too long")
		case errors.Is(err, context.Canceled):
			// The client went away; nothing worth logging.
			return set(CodeCanceled, "the request was canceled")
		case gqlErr.Err == nil:
			// gqlgen's own parse, validation and limit errors.
			return gqlErr
		default:
			log.Error("resolver failed", zap.Error(err), zap.String("path", gqlErr.Path.String()))
			return set(CodeInternal, "internal error")
		}
	}
}

// requestErrorStatus is the HTTP status of a response whose errors
// stopped the operation before it ran, as gqlgen's transports answer: 422
// for a document that does not parse or validate (400 to a client that
// accepts application/graphql-response+json, as GraphQL over HTTP
// requires), 200 for the limits and anything else.
func requestErrorStatus(errs gqlerror.List, media string) int {
	switch {
	case errcode.GetErrorKind(errs) != errcode.KindProtocol:
		return http.StatusOK
	case media == mediaGraphQLResponse:
		return http.StatusBadRequest
	default:
		return http.StatusUnprocessableEntity
	}
}

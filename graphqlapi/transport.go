package graphqlapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Media types of GraphQL responses (GraphQL over HTTP).
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaHTML            = "text/html"
)

// httpTransport runs GraphQL over HTTP: queries and mutations POSTed as
// JSON, queries sent as GETs with URL parameters. It stands in for gqlgen's
// POST and GET transports, which answer a malformed request without an
// extensions.code and with its body echoed, and a mutation sent as a GET
// with 406.
type httpTransport struct{}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" &&
		(r.Method == http.MethodPost || r.Method == http.MethodGet || r.Method == http.MethodHead)
}

func (httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := negotiate(r.Header.Get("Accept"), mediaJSON, mediaGraphQLResponse)
	if media == "" {
		media = mediaJSON // RFC 9110 lets a server disregard Accept; this is GraphQL over HTTP's default
	}
	w.Header().Set("Content-Type", media)
	start := graphql.Now()
	params, bad := requestParams(r)
	if bad != nil {
		writeGraphQLError(w, bad.status, CodeBadRequest, bad.message)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	oc, errs := exec.CreateOperationContext(ctx, params)
	if r.Method != http.MethodPost && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		// GraphQL over HTTP: a GET must not change anything. (A document
		// that does not validate gets its errors instead: which operation
		// it would run is known only once it does.)
		w.Header().Set("Allow", http.MethodPost)
		writeGraphQLError(w, http.StatusMethodNotAllowed, CodeBadRequest, "a mutation must be sent as a POST")
		return
	}
	if errs != nil {
		writeResponse(w, requestErrorStatus(errs, media), exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, http.StatusOK, responses(ctx))
}

// requestError is why a request is not a GraphQL request: its body is not
// a JSON object of the request parameters, or its URL parameters are not
// those parameters.
type requestError struct {
	status  int
	message string
}

// requestParams reads a POST's JSON body or a GET's URL parameters.
func requestParams(r *http.Request) (*graphql.RawParams, *requestError) {
	params := &graphql.RawParams{}
	if r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != mediaJSON {
			return nil, &requestError{http.StatusUnsupportedMediaType, "the request body must be JSON, sent as Content-Type: application/json"}
		}
		if err := decodeJSON(r.Body, params, "the request body"); err != nil {
			return nil, err
		}
		return params, nil
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &requestError{http.StatusBadRequest, "the URL's query string is malformed"}
	}
	params.Query, params.OperationName = values.Get("query"), values.Get("operationName")
	for _, p := range []struct {
		name string
		into *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		if v := values.Get(p.name); v != "" {
			if err := decodeJSON(strings.NewReader(v), p.into, "the parameter "+strconv.Quote(p.name)); err != nil {
				return nil, err
			}
		}
	}
	return params, nil
}

// decodeJSON decodes exactly one JSON value from r into v (numbers kept
// exact, as gqlgen's transports keep them), saying what, of the request,
// is malformed without repeating it.
func decodeJSON(r io.Reader, v any, what string) *requestError {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			return nil
		}
		err = errors.New("more than one JSON value")
	}
	if err == io.EOF {
		return &requestError{http.StatusBadRequest, what + " is empty; it must be a JSON object"}
	}
	if typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if typeErr.Field == "" {
			return &requestError{http.StatusBadRequest, fmt.Sprintf("%s must be a JSON object, not %s", what, jsonValue(typeErr.Value))}
		}
		return &requestError{http.StatusBadRequest,
			fmt.Sprintf("%q in %s must be %s, not %s", typeErr.Field, what, jsonKind(typeErr.Type), jsonValue(typeErr.Value))}
	}
	return &requestError{http.StatusBadRequest, what + " is not valid JSON"}
}

// jsonKind names the JSON value that decodes into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	default:
		return "an object" // the request parameters are strings and objects
	}
}

// jsonValue names the kind of JSON value that encoding/json's
// UnmarshalTypeError.Value describes ("number", "number 1e999", "array"…),
// without the value.
func jsonValue(value string) string {
	kind, _, _ := strings.Cut(value, " ")
	switch kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "a boolean"
	default:
		return "a " + kind
	}
}

// negotiate returns the offer the Accept header prefers: the highest
// quality, an offer's quality being that of the most specific range that
// matches it (RFC 9110, 12.5.1), ties going to the earlier offer; "" when
// it accepts none. A request without Accept accepts anything.
func negotiate(accept string, offers ...string) string {
	if strings.TrimSpace(accept) == "" {
		return offers[0]
	}
	best, bestQ := "", 0.0
	for _, offer := range offers {
		if q := quality(accept, offer); q > bestQ {
			best, bestQ = offer, q
		}
	}
	return best
}

// quality is the q that accept gives the media type offer.
func quality(accept, offer string) float64 {
	kind, _, _ := strings.Cut(offer, "/")
	q, specificity := 0.0, -1
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		s := -1
		switch mt {
		case offer:
			s = 2
		case kind + "/*":
			s = 1
		case "*/*":
			s = 0
		}
		if s > specificity {
			specificity, q = s, 1
			if v, err := strconv.ParseFloat(params["q"], 64); err == nil {
				q = min(max(v, 0), 1)
			}
		}
	}
	return q
}

// wantsPage reports whether a GET asks for GraphiQL rather than for a
// result: its Accept header prefers text/html to the GraphQL media types,
// as a browser's does. A tie, as for curl's */*, goes to GraphiQL unless
// the URL has a query to run; no Accept at all asks for JSON (GraphQL over
// HTTP).
func wantsPage(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return false
	}
	if r.URL.Query().Has("query") {
		return negotiate(accept, mediaJSON, mediaGraphQLResponse, mediaHTML) == mediaHTML
	}
	return negotiate(accept, mediaHTML, mediaJSON, mediaGraphQLResponse) == mediaHTML
}

package restapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/articlekit/articlekit/restapi"
)

// loadDocument parses and validates the served OpenAPI document.
var loadDocument = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(restapi.OpenAPIDocument())
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
})

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, err := loadDocument()
	if err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
}

// The document must describe exactly the routes the API serves.
func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	doc, err := loadDocument()
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(documented)
	api := newHarness(t).api
	if served := api.Endpoints(); !slices.Equal(served, documented) {
		t.Fatalf("served routes and OpenAPI paths differ:\nserved:     %v\ndocumented: %v", served, documented)
	}
}

// contractTransport checks every response against the OpenAPI document:
// status, headers and body must be what the document says for the route.
type contractTransport struct {
	t      *testing.T
	router routers.Router
}

// registerDecoders teaches openapi3filter the OpenMetrics text format, which
// it checks like text/plain.
var registerDecoders = sync.OnceFunc(func() {
	openapi3filter.RegisterBodyDecoder("application/openmetrics-text", openapi3filter.PlainBodyDecoder)
})

func newContractTransport(t *testing.T) *contractTransport {
	registerDecoders()
	doc, err := loadDocument()
	if err != nil {
		t.Fatal(err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &contractTransport{t: t, router: router}
}

func (c *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))

	route, params, err := c.router.FindRoute(req)
	if err != nil {
		// Not a documented route: only a problem response is acceptable.
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode < 400 || ct != restapi.ProblemContentType {
			c.t.Errorf("%s %s: undocumented route answered %d %s", req.Method, req.URL, resp.StatusCode, ct)
		}
		return resp, nil
	}
	reqInput := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{ExcludeRequestBody: true}}
	if err := openapi3filter.ValidateRequest(req.Context(), reqInput); err != nil {
		// A request the document does not allow (a bad id, a bad query
		// parameter) may only get a problem response.
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode < 400 || resp.StatusCode >= 500 || ct != restapi.ProblemContentType {
			c.t.Errorf("%s %s: invalid request answered %d %s", req.Method, req.URL, resp.StatusCode, ct)
		}
		return resp, nil
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		c.t.Errorf("%s %s: response %d breaks the OpenAPI document: %s", req.Method, req.URL, resp.StatusCode,
			strings.SplitN(err.Error(), "\n", 4)[0:min(3, strings.Count(err.Error(), "\n")+1)])
	}
	return resp, nil
}

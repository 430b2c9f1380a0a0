package restapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/uptrace/bunrouter"
	"go.yaml.in/yaml/v3"
)

//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPIDocument returns the API's OpenAPI 3.1 document as JSON.
func OpenAPIDocument() []byte { return bytes.Clone(openAPIJSON()) }

// openAPIJSON converts the embedded YAML document once.
var openAPIJSON = sync.OnceValue(func() []byte {
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		panic(fmt.Sprintf("restapi: embedded openapi.yaml: %v", err)) // a build defect; tests catch it
	}
	out, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("restapi: embedded openapi.yaml to JSON: %v", err))
	}
	return out
})

func (a *API) openAPI(w http.ResponseWriter, _ bunrouter.Request) error {
	doc := openAPIJSON()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	_, _ = w.Write(doc)
	return nil
}

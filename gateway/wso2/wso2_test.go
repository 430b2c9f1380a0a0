package wso2_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"go.yaml.in/yaml/v3"

	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/gateway/wso2"
	"github.com/articlekit/articlekit/restapi"
)

func config() gateway.Config {
	return gateway.Config{
		Consumers: []gateway.Consumer{{Name: "app", Tier: gateway.TierGold}, {Name: "other", Tier: gateway.TierBronze}},
		Upstreams: map[string]gateway.Upstream{
			"rest":   {Targets: []gateway.Target{{URL: "http://10.0.0.1:5000"}, {URL: "http://10.0.0.2:5000"}}, Failover: "backup"},
			"backup": {Targets: []gateway.Target{{URL: "http://10.0.0.9:5000"}}},
		},
		Routes: []gateway.Route{
			{Name: "list", Methods: []string{"GET"}, Path: "/articles", Upstream: "rest", Auth: []string{"anonymous"}},
			{Name: "one", Methods: []string{"GET", "PUT", "DELETE"}, Path: "/articles/{id}", Upstream: "backup", Auth: []string{"apikey"}},
			{Name: "rest", Path: "/articles/{rest...}", Upstream: "backup", Auth: []string{"apikey"}},
		},
	}
}

// The model reads WSO2's own sample, and what it writes is a Synapse API of
// the same shape.
func TestSynapseAPI(t *testing.T) {
	type resource struct {
		Methods     string `xml:"methods,attr"`
		URITemplate string `xml:"uri-template,attr"`
		URLMapping  string `xml:"url-mapping,attr"`
		Endpoints   []struct {
			Address []struct {
				URI string `xml:"uri,attr"`
			} `xml:",any"`
		} `xml:"inSequence>send>endpoint"`
	}
	type api struct {
		XMLName   xml.Name
		Name      string     `xml:"name,attr"`
		Context   string     `xml:"context,attr"`
		Resources []resource `xml:"resource"`
	}
	sample, err := os.ReadFile("testdata/HelloRestApi.xml")
	if err != nil {
		t.Fatal(err)
	}
	var theirs api
	if err := xml.Unmarshal(sample, &theirs); err != nil || len(theirs.Resources) != 3 || theirs.Resources[1].Methods != "POST PUT" {
		t.Fatalf("WSO2's sample reads as %+v (%v)", theirs, err)
	}
	out, err := wso2.SynapseAPI(config(), "ArticlesAPI", "/articles")
	if err != nil {
		t.Fatal(err)
	}
	var ours api
	if err := xml.Unmarshal(out, &ours); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if ours.XMLName != theirs.XMLName || ours.Name != "ArticlesAPI" || ours.Context != "/articles" || len(ours.Resources) != 3 {
		t.Fatalf("%+v\n%s", ours, out)
	}
	got := fmt.Sprintf("%s %s%s | %s %s%s | %s %s%s", ours.Resources[0].Methods, ours.Resources[0].URITemplate, ours.Resources[0].URLMapping,
		ours.Resources[1].Methods, ours.Resources[1].URITemplate, ours.Resources[1].URLMapping,
		ours.Resources[2].Methods, ours.Resources[2].URITemplate, ours.Resources[2].URLMapping)
	if want := "GET / | GET PUT DELETE /{id} | GET POST PUT DELETE PATCH HEAD OPTIONS /*"; got != want {
		t.Errorf("resources %q, want %q", got, want)
	}
	for _, want := range []string{`<failover>`, `<loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">`,
		`<address uri="http://10.0.0.1:5000/articles"></address>`, `<address uri="http://10.0.0.9:5000/articles"></address>`, `<outSequence>`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the artifact lacks %s:\n%s", want, out)
		}
	}
}

func TestProject(t *testing.T) {
	info := wso2.APIInfo{Name: "Articles", Context: "/articles", Version: "1.0.0", Endpoint: "http://127.0.0.1:5000"}
	files, err := wso2.Project(info, config(), restapi.OpenAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	var ours, template map[string]any
	if err := yaml.Unmarshal(files["api.yaml"], &ours); err != nil {
		t.Fatal(err)
	}
	tmpl, _ := os.ReadFile("testdata/default_api.yaml")
	if err := yaml.Unmarshal(tmpl, &template); err != nil {
		t.Fatal(err)
	}
	// Every key of apictl's own template is there, at the same version.
	for key := range template["data"].(map[string]any) {
		if _, ok := ours["data"].(map[string]any)[key]; !ok {
			t.Errorf("api.yaml lacks data.%s", key)
		}
	}
	if ours["type"] != "api" || ours["version"] != template["version"] {
		t.Errorf("api.yaml header %v %v", ours["type"], ours["version"])
	}
	if got := fmt.Sprint(ours["data"].(map[string]any)["policies"]); got != "[Bronze Gold]" {
		t.Errorf("policies %s", got)
	}
	var swagger map[string]any
	if err := yaml.Unmarshal(files["Definitions/swagger.yaml"], &swagger); err != nil || swagger["openapi"] != "3.1.0" {
		t.Errorf("swagger.yaml: %v %v", swagger["openapi"], err)
	}
	dir := t.TempDir()
	if err := wso2.WriteProject(dir, files); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"api.yaml", "Definitions/swagger.yaml", "deployment_environments.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	if _, err := wso2.Project(wso2.APIInfo{Name: "x"}, config(), nil); err == nil {
		t.Error("an incomplete API was accepted")
	}
}

// fakeAPIM is a stateful stand-in for API Manager that validates every
// Publisher request against WSO2's published Publisher v4 document.
type fakeAPIM struct {
	t         *testing.T
	router    routers.Router
	mu        sync.Mutex
	apis      map[string]map[string]any
	revisions map[string][]map[string]any
	calls     []string
	invalid   []string
	made      int
}

func newFakeAPIM(t *testing.T) (*fakeAPIM, *httptest.Server) {
	f := &fakeAPIM{t: t, apis: map[string]map[string]any{}, revisions: map[string][]map[string]any{}}
	srv := httptest.NewServer(f)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("testdata/publisher-v4.yaml")
	if err != nil {
		t.Skipf("WSO2's Publisher v4 document is not there (%v): the contract test needs it", err)
	}
	doc.Servers = openapi3.Servers{{URL: srv.URL + "/api/am/publisher/v4"}}
	if f.router, err = gorillamux.NewRouter(doc); err != nil {
		t.Fatal(err)
	}
	return f, srv
}

func (f *fakeAPIM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	f.calls = append(f.calls, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/api/am/publisher/v4"))
	switch r.URL.Path {
	case "/client-registration/v0.17/register":
		json.NewEncoder(w).Encode(map[string]string{"clientId": "cid", "clientSecret": "csecret"})
		return
	case "/oauth2/token":
		form, _ := url.ParseQuery(string(body))
		if u, p, _ := r.BasicAuth(); u != "cid" || p != "csecret" || form.Get("grant_type") != "password" {
			w.WriteHeader(401)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"access_token": "tok"})
		return
	}
	if r.Header.Get("Authorization") != "Bearer tok" {
		w.WriteHeader(401)
		return
	}
	// The contract: the request must be one the Publisher v4 document allows.
	check := r.Clone(r.Context())
	check.Body = io.NopCloser(strings.NewReader(string(body)))
	route, params, err := f.router.FindRoute(check)
	if err == nil {
		opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
		// kin-openapi cannot decode WSO2's multipart schemas (they lack
		// type: object): the parts are checked against the schema here.
		if rb := route.Operation.RequestBody; rb != nil && rb.Value.Content.Get("multipart/form-data") != nil {
			opts.ExcludeRequestBody = true
			err = checkMultipart(r.Header.Get("Content-Type"), body, rb.Value.Content.Get("multipart/form-data").Schema.Value)
		}
		if err == nil {
			err = openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
				Request: check, PathParams: params, Route: route, Options: opts,
			})
		}
	}
	if err != nil {
		f.invalid = append(f.invalid, r.Method+" "+r.URL.String()+": "+err.Error())
		w.WriteHeader(400)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/am/publisher/v4")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	reply := func(v any) { w.Header().Set("Content-Type", "application/json"); json.NewEncoder(w).Encode(v) }
	switch {
	case r.Method == "GET" && path == "/apis":
		var list []map[string]any
		for _, a := range f.apis {
			list = append(list, a)
		}
		reply(map[string]any{"count": len(list), "list": list})
	case r.Method == "POST" && path == "/apis":
		var a map[string]any
		json.Unmarshal(body, &a)
		a["id"], a["lifeCycleStatus"] = fmt.Sprintf("api-%d", len(f.apis)+1), "CREATED"
		f.apis[a["id"].(string)] = a
		w.WriteHeader(201)
		reply(a)
	case r.Method == "PUT" && len(parts) == 2:
		var a map[string]any
		json.Unmarshal(body, &a)
		a["id"], a["lifeCycleStatus"] = parts[1], f.apis[parts[1]]["lifeCycleStatus"]
		f.apis[parts[1]] = a
		reply(a)
	case r.Method == "PUT" && len(parts) == 3 && parts[2] == "swagger":
		reply("")
	case r.Method == "GET" && len(parts) == 3 && parts[2] == "revisions":
		reply(map[string]any{"count": len(f.revisions[parts[1]]), "list": f.revisions[parts[1]]})
	case r.Method == "POST" && len(parts) == 3 && parts[2] == "revisions":
		f.made++
		if len(f.revisions[parts[1]]) >= 5 {
			w.WriteHeader(400) // API Manager's limit
			return
		}
		rev := map[string]any{"id": fmt.Sprintf("rev-%d", f.made), "createdTime": f.made}
		f.revisions[parts[1]] = append(f.revisions[parts[1]], rev)
		w.WriteHeader(201)
		reply(rev)
	case r.Method == "POST" && len(parts) == 3 && parts[2] == "deploy-revision":
		// Deploying a revision to the environment undeploys the one before.
		for _, rev := range f.revisions[parts[1]] {
			delete(rev, "deploymentInfo")
			if rev["id"] == r.URL.Query().Get("revisionId") {
				rev["deploymentInfo"] = []any{map[string]any{"name": "Default"}}
			}
		}
		w.WriteHeader(201)
		reply([]any{})
	case r.Method == "DELETE" && len(parts) == 4 && parts[2] == "revisions":
		f.revisions[parts[1]] = slices.DeleteFunc(f.revisions[parts[1]], func(rev map[string]any) bool { return rev["id"] == parts[3] })
		reply(map[string]any{"count": len(f.revisions[parts[1]])})
	case r.Method == "POST" && path == "/apis/change-lifecycle":
		f.apis[r.URL.Query().Get("apiId")]["lifeCycleStatus"] = "PUBLISHED"
		reply(map[string]any{"lifecycleState": map[string]any{"state": "Published"}})
	default:
		w.WriteHeader(404)
	}
}

func TestPublisher(t *testing.T) {
	f, srv := newFakeAPIM(t)
	defer srv.Close()
	p := &wso2.Publisher{BaseURL: srv.URL, Username: "admin", Password: "admin"}
	info := wso2.APIInfo{Name: "Articles", Context: "/articles", Version: "1.0.0", Endpoint: "http://127.0.0.1:5000", Policies: []string{"Gold"}}
	first, err := p.Publish(context.Background(), info, restapi.OpenAPIDocument())
	if err != nil {
		t.Fatalf("%v\ncontract violations: %v", err, f.invalid)
	}
	second, err := p.Publish(context.Background(), info, restapi.OpenAPIDocument())
	if err != nil {
		t.Fatalf("%v\ncontract violations: %v", err, f.invalid)
	}
	if len(f.invalid) > 0 {
		t.Fatalf("requests outside the Publisher v4 contract:\n%s", strings.Join(f.invalid, "\n"))
	}
	if !first.Created || !first.Published || second.Created || second.Published || first.APIID != second.APIID || len(f.apis) != 1 {
		t.Fatalf("first %+v, second %+v, %d APIs", first, second, len(f.apis))
	}
	if len(f.revisions[first.APIID]) != 2 {
		t.Fatalf("revisions %v", f.revisions)
	}
	want := []string{"GET /apis", "PUT /apis/api-1", "PUT /apis/api-1/swagger", "GET /apis/api-1/revisions", "POST /apis/api-1/revisions", "POST /apis/api-1/deploy-revision"}
	if got := f.calls[len(f.calls)-len(want):]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("second run called %v, want %v", got, want)
	}
}

// Published again and again, the API keeps within API Manager's five
// revisions: the oldest undeployed one goes.
func TestPublisherRevisionLimit(t *testing.T) {
	f, srv := newFakeAPIM(t)
	defer srv.Close()
	p := &wso2.Publisher{BaseURL: srv.URL, Username: "admin", Password: "admin"}
	info := wso2.APIInfo{Name: "Articles", Context: "/articles", Version: "1.0.0", Endpoint: "http://127.0.0.1:5000"}
	for i := range 7 {
		if _, err := p.Publish(context.Background(), info, restapi.OpenAPIDocument()); err != nil {
			t.Fatalf("run %d: %v (%v)", i+1, err, f.invalid)
		}
	}
	if n := len(f.revisions["api-1"]); n != 5 || len(f.invalid) > 0 {
		t.Fatalf("%d revisions, violations %v, calls %v", n, f.invalid, f.calls)
	}
}

// An error from API Manager comes back with its status, and a refused token
// stops before any Publisher call.
func TestPublisherErrors(t *testing.T) {
	f, srv := newFakeAPIM(t)
	defer srv.Close()
	p := &wso2.Publisher{BaseURL: srv.URL, Username: "admin", Password: "admin"}
	_, err := p.Publish(context.Background(), wso2.APIInfo{Name: "Articles", Context: "/articles", Version: "1.0.0"}, nil)
	if err == nil || !strings.Contains(err.Error(), "endpoint") {
		t.Fatalf("incomplete info: %v", err)
	}
	if len(f.calls) != 0 {
		t.Fatalf("calls were made: %v", f.calls)
	}
}

// checkMultipart checks a multipart body's parts are properties of schema.
func checkMultipart(contentType string, body []byte, schema *openapi3.Schema) error {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	r := multipart.NewReader(strings.NewReader(string(body)), params["boundary"])
	parts := 0
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if _, ok := schema.Properties[part.FormName()]; !ok {
			return fmt.Errorf("multipart field %q is not in the schema", part.FormName())
		}
		parts++
	}
	if parts == 0 {
		return fmt.Errorf("an empty multipart body")
	}
	return nil
}

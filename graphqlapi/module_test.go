package graphqlapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/graphqlapi"
	"github.com/articlekit/articlekit/internal/nettest"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
)

// The module wires both backends; the REST one calls the REST API of the
// same app, as examples/graphql does.
func TestModule(t *testing.T) {
	for _, backend := range []string{graphqlapi.BackendInProcess, graphqlapi.BackendREST} {
		t.Run(backend, func(t *testing.T) {
			restAddr, gqlAddr := nettest.FreeAddr(t), nettest.FreeAddr(t)
			app := fxtest.New(t,
				fx.Supply(
					zaptest.NewLogger(t),
					articles.Config{DatabaseURL: "sqlite://" + t.TempDir() + "/m.db"},
					restapi.Config{Addr: restAddr},
					graphqlapi.Config{Addr: gqlAddr, Backend: backend, RESTAPIURL: "http://" + restAddr},
				),
				metrics.Module, articles.Module, restapi.Module, graphqlapi.Module,
			)
			app.RequireStart()
			defer app.RequireStop()
			body, _ := json.Marshal(map[string]string{"query": `mutation { createArticle(input: {title: "via fx"}) { id version } }`})
			resp, err := http.Post("http://"+gqlAddr+graphqlapi.Endpoint, "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(out), `"createArticle":{"id":"1","version":1}`) {
				t.Fatalf("createArticle through the module = %s", out)
			}
			// The registry is shared; each API's listener serves it.
			for _, addr := range []string{restAddr, gqlAddr} {
				metricsResp, err := http.Get("http://" + addr + "/metrics")
				if err != nil {
					t.Fatal(err)
				}
				scrape, _ := io.ReadAll(metricsResp.Body)
				metricsResp.Body.Close()
				for _, want := range []string{
					`graphql_operations_total{operation="createArticle",outcome="ok",type="mutation"} 1`,
					`http_requests_total{method="POST",route="/graphql",server="graphql",status="200"} 1`,
				} {
					if !strings.Contains(string(scrape), want) {
						t.Fatalf("%s/metrics lacks %s", addr, want)
					}
				}
			}
		})
	}
	err := fx.ValidateApp(
		fx.Supply(zaptest.NewLogger(t), graphqlapi.Config{Backend: graphqlapi.BackendInProcess}),
		graphqlapi.Module,
	)
	if err != nil {
		t.Fatalf("ValidateApp: %v", err)
	}
	app := fx.New(fx.NopLogger,
		fx.Supply(zaptest.NewLogger(t), graphqlapi.Config{Backend: graphqlapi.BackendInProcess, Addr: "127.0.0.1:0"}),
		graphqlapi.Module)
	if err := app.Err(); err == nil || !strings.Contains(err.Error(), "articles.Module") {
		t.Fatalf("inprocess without articles.Module: %v, want an error naming it", err)
	}
}

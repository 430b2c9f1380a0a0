package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/examples/internal/app"
	"github.com/articlekit/articlekit/internal/browsertest"
	"github.com/articlekit/articlekit/internal/nettest"
	"github.com/articlekit/articlekit/kafkasync"
)

// One process runs every piece on its embedded defaults: an article
// written through the gateway is read back through the gateway's GraphQL
// route, reaches the replica through the embedded broker, lands in the
// ETL's export, and every component shows in /metrics.
func TestFullstack(t *testing.T) {
	cfg, dir := startFullstack(t)
	ctx := t.Context()
	gw := "http://" + cfg.Gateway.HTTP

	body := `{"title":"Fullstack","content":"every piece","author":"test","tags":["e2e"]}`
	resp := do(t, "POST", gw+"/articles", body)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a write without the API key: %d, want 401", resp.StatusCode)
	}
	resp = do(t, "POST", gw+"/articles", body, "apikey", cfg.Gateway.DevAPIKey)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("a write with the API key: %d", resp.StatusCode)
	}
	var created articles.Article
	decode(t, resp, &created)

	query := `{"query":"{ getArticle(id: \"` + strconv.FormatInt(created.ID, 10) + `\") { title author } }"}`
	resp = do(t, "POST", gw+"/graphql", query)
	var gql struct {
		Data struct {
			GetArticle struct{ Title, Author string }
		}
	}
	decode(t, resp, &gql)
	if gql.Data.GetArticle.Title != "Fullstack" || gql.Data.GetArticle.Author != "test" {
		t.Fatalf("GraphQL through the gateway: %+v", gql)
	}

	replica, err := articles.OpenStore(articles.Config{DatabaseURL: cfg.Target.DatabaseURL})
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	eventually(t, "the article in the replica", func() bool {
		a, err := articles.NewService(replica).Get(ctx, created.ID)
		return err == nil && a.Version == created.Version && a.Title == created.Title
	})
	eventually(t, "the article in the ETL export", func() bool {
		data, err := os.ReadFile(filepath.Join(dir, "articles-export.jsonl"))
		return err == nil && bytes.Contains(data, []byte(`"Fullstack"`))
	})
	// As the API has them: tags are an array, not a string of JSON.
	if data, _ := os.ReadFile(filepath.Join(dir, "articles-export.jsonl")); !bytes.Contains(data, []byte(`"tags":["e2e"]`)) {
		t.Errorf("the export: %s, want tags as an array", data)
	}

	resp = do(t, "GET", "http://"+cfg.REST.Addr+"/metrics", "")
	scrape, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, metric := range []string{
		`http_requests_total{`,
		`articles_changes_total{type="created"} 1`,
		`kafkasync_applied_events_total{result="applied"} 1`,
		`gateway_requests_total{consumer="dev",route="articles-create",status="201"} 1`,
		`graphql_operations_total{`,
		`etl_runs_total{`,
	} {
		if !strings.Contains(string(scrape), metric) {
			t.Errorf("/metrics has no %s", metric)
		}
	}
}

// GraphiQL through the gateway, in a real browser: its page and files load
// from the gateway alone, the schema query passes the edge's limits (the
// docs explorer lists getArticles) and a query shows the article written
// with the API key. The OpenAPI document is there too.
func TestGraphiQLThroughGateway(t *testing.T) {
	browser := browsertest.Open(t)
	cfg, _ := startFullstack(t)
	gw := "http://" + cfg.Gateway.HTTP
	resp := do(t, "POST", gw+"/articles", `{"title":"Seen in GraphiQL","content":"c","author":"a"}`, "apikey", cfg.Gateway.DevAPIKey)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("a write with the API key: %d", resp.StatusCode)
	}
	browser.UseGraphiQL(gw, "Seen in GraphiQL", "fullstack-graphiql")

	resp = do(t, "GET", gw+"/openapi.json", "")
	var spec struct{ OpenAPI string }
	decode(t, resp, &spec)
	if resp.StatusCode != http.StatusOK || spec.OpenAPI == "" {
		t.Fatalf("GET /openapi.json through the gateway: %d, openapi %q", resp.StatusCode, spec.OpenAPI)
	}
}

// startFullstack runs the program on free loopback ports and files in a
// temp dir (returned), stopping it with the test.
func startFullstack(t *testing.T) (config, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := defaults()
	cfg.Articles.DatabaseURL = "sqlite://" + filepath.Join(dir, "articles.db")
	cfg.Target.DatabaseURL = "sqlite://" + filepath.Join(dir, "articles-replica.db")
	cfg.REST.Addr, cfg.GraphQL.Addr, cfg.WebApp.Addr = nettest.FreeAddr(t), nettest.FreeAddr(t), nettest.FreeAddr(t)
	cfg.GraphQL.RESTAPIURL = "http://" + cfg.REST.Addr
	cfg.Gateway = appGateway(nettest.FreeAddr(t), nettest.FreeAddr(t), nettest.FreeAddr(t))
	cfg.ExportDir, cfg.ExportEvery = dir, 200*time.Millisecond
	application, err := newApp(cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := application.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { application.Stop(context.Background()) }) //nolint:errcheck // the test is over
	return cfg, dir
}

func appGateway(httpAddr, httpsAddr, adminAddr string) (g app.Gateway) {
	g.DevAPIKey, g.DevAdminPass = "fullstack-test-api-key", "fullstack-test-admin-pass"
	g.HTTP, g.HTTPS, g.Admin = httpAddr, httpsAddr, adminAddr
	return g
}

func do(t *testing.T, method, url, body string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func decode(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
	}
}

// The program's fx graph is complete: every dependency has a provider.
func TestModulesWire(t *testing.T) {
	cfg := defaults()
	cfg.Gateway = appGateway("127.0.0.1:8280", "127.0.0.1:8243", "127.0.0.1:9443")
	opts, err := modules(cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.ValidateApp(opts); err != nil {
		t.Fatal(err)
	}
}

func TestMain(m *testing.M) { app.TestMain(m, main) }

// -h and --help print the usage and exit 0, starting nothing and writing
// no file; anything else on the command line exits 2.
func TestHelp(t *testing.T) {
	for _, flag := range []string{"-h", "--help"} {
		ran := app.Run(t, []string{flag})
		if ran.Exit != 0 || !strings.Contains(ran.Stderr, "usage: fullstack") || !strings.Contains(ran.Stderr, "LOG_LEVEL") {
			t.Fatalf("%s: exit %d, stderr %q", flag, ran.Exit, ran.Stderr)
		}
		if files, _ := os.ReadDir(ran.Dir); len(files) > 0 {
			t.Fatalf("%s wrote %v", flag, files)
		}
	}
	for _, args := range [][]string{{"--bogus"}, {"serve"}} {
		if ran := app.Run(t, args); ran.Exit != 2 {
			t.Fatalf("%v: exit %d, want 2 (stderr %q)", args, ran.Exit, ran.Stderr)
		}
	}
}

// The banner says where everything is, the development credentials, the
// files written and how to replace the defaults: as text on a terminal,
// as one log line otherwise.
func TestBanner(t *testing.T) {
	cfg := defaults()
	cfg.Gateway.DevAPIKey, cfg.Gateway.DevAdminPass = "banner-test-api-key", "banner-admin"
	gw, err := cfg.Gateway.Config(cfg.REST.Addr, cfg.GraphQL.Addr, cfg.WebApp.Addr)
	if err != nil {
		t.Fatal(err)
	}
	b := newBanner(cfg, gw, kafkasync.Brokers{"127.0.0.1:9092"})
	var text strings.Builder
	b.write(&text)
	for _, want := range []string{
		"Open the web app: http://127.0.0.1:8280/", "http://127.0.0.1:8280/#/status", "http://127.0.0.1:5000/articles", "http://127.0.0.1:5000/openapi.json", "http://127.0.0.1:8000/graphql",
		"http://127.0.0.1:8280", "https://127.0.0.1:8243", "https://127.0.0.1:9443/routes", "http://127.0.0.1:5000/metrics",
		"Kafka         127.0.0.1:9092 (embedded, in memory)", "kcat -C -b 127.0.0.1:9092 -t articles-sync",
		"banner-test-api-key", "admin / banner-admin", "articles.db", "articles-replica.db", "articles-export.jsonl",
		"DATABASE_URL", "KAFKA_BROKERS", "GATEWAY_CONFIG", "ETL_PIPELINES", "fullstack -h",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, text.String())
		}
	}
	core, logs := observer.New(zap.InfoLevel)
	b.log(zap.New(core))
	if logs.Len() != 1 {
		t.Fatalf("%d log lines, want one", logs.Len())
	}
	fields := logs.All()[0].ContextMap()
	if fields["web_app"] != "http://127.0.0.1:8280/" || fields["rest"] != "http://127.0.0.1:5000" || fields["gateway_http"] != "http://127.0.0.1:8280" || fields["dev_api_key"] != "banner-test-api-key" {
		t.Fatalf("the banner's log line: %v", fields)
	}

	cfg.Gateway.File, cfg.Sync.Brokers = "gateway.yaml", []string{"kafka-1:9092"}
	text.Reset()
	newBanner(cfg, gw, kafkasync.Brokers{"kafka-1:9092"}).write(&text)
	if strings.Contains(text.String(), "banner-test-api-key") || strings.Contains(text.String(), "embedded") ||
		!strings.Contains(text.String(), "Web app       http://127.0.0.1:8300") {
		t.Fatalf("with a gateway file and brokers, the banner still shows development defaults:\n%s", text.String())
	}
}

package restapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/internal/nettest"
	"github.com/articlekit/articlekit/metrics"
	"github.com/articlekit/articlekit/restapi"
)

func TestModule(t *testing.T) {
	addr := nettest.FreeAddr(t)
	options := func() fx.Option {
		return fx.Options(
			fx.Supply(
				articles.Config{DatabaseURL: "sqlite://" + t.TempDir() + "/m.db"},
				restapi.Config{Addr: addr},
				zaptest.NewLogger(t),
			),
			metrics.Module, articles.Module, restapi.Module,
			fx.Provide(restapi.AsRoute(func() restapi.Route {
				return restapi.Route{Method: "GET", Path: "/version", Handler: http.HandlerFunc(
					func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "v1") })}
			})),
		)
	}
	if err := fx.ValidateApp(options()); err != nil {
		t.Fatal(err)
	}
	app := fxtest.New(t, options())
	app.RequireStart()
	base := "http://" + addr
	for path, want := range map[string]string{
		"/ready":   `{"status":"ready"}`,
		"/version": "v1",
		"/metrics": `articles_stored 0`,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %.200s, want %q", path, resp.StatusCode, body, want)
		}
	}
	resp, err := http.Post(base+"/articles", "application/json", strings.NewReader(`{"title":"via fx"}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST = %v, %v", resp, err)
	}
	resp.Body.Close()
	app.RequireStop()
	if _, err := http.Get(base + "/health"); err == nil {
		t.Fatal("server still answers after stop")
	}
}

func TestConfig(t *testing.T) {
	if err := (restapi.Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
	for _, bad := range []restapi.Config{{MaxBodyBytes: -1}, {ReadTimeout: -1}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", bad)
		}
		app := fx.New(fx.NopLogger, fx.Supply(bad, articles.Config{DatabaseURL: "sqlite://" + t.TempDir() + "/c.db"}, zap.NewNop()),
			articles.Module, restapi.Module)
		if app.Err() == nil {
			t.Errorf("Module accepted an invalid config %+v", bad)
		}
	}
	if d := (restapi.Config{}).WithDefaults(); d.Addr != restapi.DefaultAddr || d.MaxBodyBytes != restapi.DefaultMaxBodyBytes {
		t.Errorf("WithDefaults = %+v", d)
	}
}

// counted is a restapi.Articles that counts the articles it creates.
type counted struct {
	restapi.Articles
	creates *int
}

func (c counted) Create(ctx context.Context, d articles.Draft) (articles.Article, error) {
	*c.creates++
	return c.Articles.Create(ctx, d)
}

// A program wraps the service the module serves with fx.Decorate.
func TestModuleServesADecoratedService(t *testing.T) {
	addr := nettest.FreeAddr(t)
	var creates int
	app := fxtest.New(t,
		fx.Supply(articles.Config{DatabaseURL: "sqlite://" + t.TempDir() + "/d.db"}, restapi.Config{Addr: addr}, zaptest.NewLogger(t)),
		articles.Module, restapi.Module,
		fx.Decorate(func(a restapi.Articles) restapi.Articles { return counted{a, &creates} }),
	)
	app.RequireStart()
	defer app.RequireStop()
	resp, err := http.Post("http://"+addr+"/articles", "application/json", strings.NewReader(`{"title":"decorated"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || creates != 1 {
		t.Fatalf("POST through a decorated service = %d, %d creates counted; want 201, 1", resp.StatusCode, creates)
	}
}

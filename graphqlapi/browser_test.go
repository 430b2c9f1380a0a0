package graphqlapi_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/articlekit/articlekit/graphqlapi"
)

// Environment of the browser test.
const (
	// chromiumEnv names the browser; default: chromium on PATH (Debian's package).
	chromiumEnv = "ARTICLEKIT_TEST_CHROMIUM"
	// artifactsEnv is where the screenshots go; default: the test's temp dir.
	artifactsEnv = "ARTICLEKIT_ARTIFACTS_DIR"
)

// requireBrowser returns the browser to run, or skips the test — failing
// under CI=true, where a skipped check must not pass.
func requireBrowser(t *testing.T) (chromium string) {
	t.Helper()
	if chromium = os.Getenv(chromiumEnv); chromium != "" {
		return chromium
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no chromium on PATH (apt-get install chromium) and %s unset", chromiumEnv)
		}
		t.Skipf("no chromium on PATH (apt-get install chromium) and %s unset", chromiumEnv)
	}
	return p
}

// A real browser opens GraphiQL where it is served, with nothing but what
// that server serves (the test machine has no CDN, and GraphiQL must need
// none): it runs getArticles and sees the stored article in the result
// pane, and its docs explorer, which only the schema query fills, lists
// getArticles.
func TestPlaygroundInBrowser(t *testing.T) {
	chromium := requireBrowser(t)
	s := backends[0].make(t, graphqlapi.Config{})
	s.create("Seen in a browser", "ada")
	for _, site := range []struct {
		name string
		base string // where /graphql is
		shot string // the screenshots' names: shot-getArticles.png, shot-docs.png
	}{
		{"the API", s.gql.URL, "graphiql"},
	} {
		t.Run(site.name, func(t *testing.T) { useGraphiQL(t, chromium, site.base, site.shot) })
	}
}

func useGraphiQL(t *testing.T, chromium, base, shot string) {
	ctx, requested := openBrowser(t, chromium)
	page := base + graphqlapi.Endpoint + "?query=" + url.QueryEscape("{ getArticles(limit: 5) { id title author } }")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(`.graphiql-execute-button`),
		chromedp.Click(`.graphiql-execute-button`),
	); err != nil {
		t.Fatalf("browser: %v (it requested %v)", err, requested())
	}
	// The result pane fills in once the query has run.
	result, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const text = (document.querySelector('.result-window') || {}).innerText || '';
		return text.includes('Seen in a browser') ? text : '';
	})()`, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("the result never showed the article: %v", err)
	}
	if !strings.Contains(result, `"getArticles"`) || !strings.Contains(result, `"author": "ada"`) {
		t.Fatalf("result pane = %q, want the getArticles data", result)
	}
	screenshot(ctx, t, shot+"-getArticles.png")

	// The docs explorer: its root types, then the fields of Query. It says
	// so when the schema query failed.
	if err := chromedp.Do(ctx,
		chromedp.Click(`.graphiql-sidebar button[aria-label="Show Documentation Explorer"]`),
		chromedp.WaitVisible(`.graphiql-doc-explorer`),
	); err != nil {
		t.Fatalf("browser: the docs explorer: %v", err)
	}
	docs, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const error = document.querySelector('.graphiql-doc-explorer-error');
		if (error) return 'error: ' + error.innerText;
		const query = [...document.querySelectorAll('.graphiql-doc-explorer-type-name')].find(a => a.innerText === 'Query');
		const fields = [...document.querySelectorAll('.graphiql-doc-explorer-field-name')].map(f => f.innerText);
		if (fields.length === 0) { if (query) query.click(); return ''; }
		return fields.join(' ');
	})()`, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("the docs explorer never listed Query's fields: %v", err)
	}
	if !slices.Contains(strings.Fields(docs), "getArticles") {
		t.Fatalf("docs explorer = %q, want Query's fields, getArticles among them", docs)
	}
	screenshot(ctx, t, shot+"-docs.png")

	urls := requested()
	if !slices.ContainsFunc(urls, func(u string) bool { return strings.HasPrefix(u, base+"/graphql/assets/") }) {
		t.Fatalf("the browser requested %v, none of GraphiQL's files from %s", urls, base)
	}
	if others := slices.DeleteFunc(urls, func(u string) bool { return strings.HasPrefix(u, base+"/") }); len(others) > 0 {
		t.Fatalf("GraphiQL requested %v, beyond %s", others, base)
	}
}

// openBrowser starts a headless browser, offline and without updates, and
// returns its tab and what the tab requested so far.
func openBrowser(t *testing.T, chromium string) (context.Context, func() []string) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 800),
	)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	var mu sync.Mutex
	var requested []string
	ctx, cancelBrowser := chromedp.NewContext(ctx, chromedp.WithLogf(t.Logf), chromedp.WithListener(func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok && !strings.HasPrefix(ev.Request.URL, "data:") {
			mu.Lock()
			defer mu.Unlock()
			requested = append(requested, ev.Request.URL)
		}
	}))
	t.Cleanup(cancelBrowser)
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(requested)
	}
}

// screenshot saves the whole page as name in the artifacts directory.
func screenshot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv(artifactsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))
}

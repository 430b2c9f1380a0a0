package graphqlapi_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/articlekit/articlekit/graphqlapi"
)

// Environment of the browser test.
const (
	// chromiumEnv names the browser; default: chromium on PATH (Debian's package).
	chromiumEnv = "ARTICLEKIT_TEST_CHROMIUM"
	// artifactsEnv is where the screenshot goes; default: the test's temp dir.
	artifactsEnv = "ARTICLEKIT_ARTIFACTS_DIR"
)

// requireBrowser returns what the browser test needs, or skips it — failing
// under CI=true, where a skipped check must not pass.
func requireBrowser(t *testing.T) (chromium string) {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	chromium = os.Getenv(chromiumEnv)
	if chromium == "" {
		p, err := exec.LookPath("chromium")
		if err != nil {
			missing("no chromium on PATH (apt-get install chromium) and %s unset", chromiumEnv)
		}
		chromium = p
	}
	return chromium
}

// A real browser opens GraphiQL at /graphql, runs getArticles and sees the
// stored article in the result pane.
func TestPlaygroundInBrowser(t *testing.T) {
	chromium := requireBrowser(t)
	s := backends[0].make(t, graphqlapi.Config{})
	s.create("Seen in a browser", "ada")

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
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(ctx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()

	page := s.gql.URL + graphqlapi.Endpoint + "?query=" + url.QueryEscape("{ getArticles(limit: 5) { id title author } }")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(`.graphiql-execute-button`),
		chromedp.Click(`.graphiql-execute-button`),
	); err != nil {
		t.Fatalf("browser: %v", err)
	}
	// The result pane fills in once the query has run.
	result, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const text = (document.querySelector('.result-window') || {}).innerText || '';
		return text.includes('Seen in a browser') ? text : '';
	})()`, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("the result never showed the article: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(result, `"getArticles"`) || !strings.Contains(result, `"author": "ada"`) {
		t.Fatalf("result pane = %q, want the getArticles data", result)
	}
	dir := os.Getenv(artifactsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "graphiql-getArticles.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))
}

// Package browsertest drives a real, headless Chromium in tests: GraphiQL
// used as a person would, and screenshots of what the page showed.
package browsertest

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Environment of the browser tests.
const (
	// ChromiumEnv names the browser; default: chromium on PATH (Debian's package).
	ChromiumEnv = "ARTICLEKIT_TEST_CHROMIUM"
	// ArtifactsEnv is where the screenshots go; default: the test's temp dir.
	ArtifactsEnv = "ARTICLEKIT_ARTIFACTS_DIR"
)

// Browser is a headless tab and everything it has requested.
type Browser struct {
	ctx context.Context
	t   testing.TB

	mu        sync.Mutex
	requested []string
	problems  []string
}

// Open starts a headless browser, offline and without updates, or skips
// the test without one — failing under CI=true, where a skipped check must
// not pass. The browser stops with the test.
func Open(t testing.TB) *Browser {
	t.Helper()
	chromium := os.Getenv(ChromiumEnv)
	if chromium == "" {
		var err error
		if chromium, err = exec.LookPath("chromium"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("no chromium on PATH (apt-get install chromium) and %s unset", ChromiumEnv)
			}
			t.Skipf("no chromium on PATH (apt-get install chromium) and %s unset", ChromiumEnv)
		}
	}
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
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	b := &Browser{t: t}
	ctx, cancelBrowser := chromedp.NewContext(ctx, chromedp.WithLogf(t.Logf), chromedp.WithListener(func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if !strings.HasPrefix(ev.Request.URL, "data:") {
				b.requested = append(b.requested, ev.Request.URL)
			}
		case *runtime.EventExceptionThrown:
			problem := "exception: " + ev.ExceptionDetails.Text
			if e := ev.ExceptionDetails.Exception; e != nil {
				problem += " " + e.Description
			}
			b.problems = append(b.problems, problem)
		case *log.EventEntryAdded:
			// A refused request is the server's answer, which the page
			// explains; anything else logged as an error (a script's
			// failure, a blocked resource) is the page's problem.
			if ev.Entry.Level == log.EntryLevelError && ev.Entry.Source != log.EntrySourceNetwork {
				b.problems = append(b.problems, string(ev.Entry.Source)+": "+ev.Entry.Text)
			}
		}
	}))
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		_, err := cdp.Call(ctx, tab, log.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("browser: %v", err)
	}
	b.ctx = ctx
	return b
}

// Problems are the errors the page has had so far: uncaught exceptions,
// and errors it logged other than refused requests (a resource the
// Content-Security-Policy blocked among them).
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.problems)
}

// Context is the tab's, for chromedp actions of the test's own.
func (b *Browser) Context() context.Context { return b.ctx }

// Requested is every URL the tab has requested so far.
func (b *Browser) Requested() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.requested)
}

// Screenshot saves the whole page as name in the artifacts directory.
func (b *Browser) Screenshot(name string) {
	b.t.Helper()
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		b.t.Fatal(err)
	}
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = b.t.TempDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s (%d bytes)", path, len(shot))
}

// UseGraphiQL opens GraphiQL at base+"/graphql" as a person would: it runs
// getArticles and waits for want (an article's title) in the result pane,
// then opens the docs explorer, which only the schema query fills, and
// checks that it lists getArticles. GraphiQL must have loaded its files
// from base and nothing from anywhere else. The screenshots are
// shot-getArticles.png and shot-docs.png.
func (b *Browser) UseGraphiQL(base, want, shot string) {
	t := b.t
	t.Helper()
	page := base + "/graphql?query=" + url.QueryEscape("{ getArticles(limit: 5) { id title author } }")
	if err := chromedp.Do(b.ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(`.graphiql-execute-button`),
		chromedp.Click(`.graphiql-execute-button`),
	); err != nil {
		t.Fatalf("browser: %v (it requested %v)", err, b.Requested())
	}
	// The result pane fills in once the query has run.
	result, err := chromedp.Run(b.ctx, chromedp.Poll[string](`(() => {
		const text = (document.querySelector('.result-window') || {}).innerText || '';
		return text.includes(`+strconv.Quote(want)+`) ? text : '';
	})()`, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("the result never showed %q: %v", want, err)
	}
	if !strings.Contains(result, `"getArticles"`) {
		t.Fatalf("result pane = %q, want the getArticles data", result)
	}
	b.Screenshot(shot + "-getArticles.png")

	// The docs explorer: its root types, then the fields of Query. It says
	// so when the schema query failed.
	if err := chromedp.Do(b.ctx,
		chromedp.Click(`.graphiql-sidebar button[aria-label="Show Documentation Explorer"]`),
		chromedp.WaitVisible(`.graphiql-doc-explorer`),
	); err != nil {
		t.Fatalf("browser: the docs explorer: %v", err)
	}
	docs, err := chromedp.Run(b.ctx, chromedp.Poll[string](`(() => {
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
	b.Screenshot(shot + "-docs.png")

	urls := b.Requested()
	if !slices.ContainsFunc(urls, func(u string) bool { return strings.HasPrefix(u, base+"/graphql/assets/") }) {
		t.Fatalf("the browser requested %v, none of GraphiQL's files from %s", urls, base)
	}
	if others := slices.DeleteFunc(urls, func(u string) bool { return strings.HasPrefix(u, base+"/") }); len(others) > 0 {
		t.Fatalf("GraphiQL requested %v, beyond %s", others, base)
	}
}

package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.yaml.in/yaml/v3"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/gateway"
	"github.com/articlekit/articlekit/internal/browsertest"
)

// The web app, used in a real browser through the gateway as a person
// would: write an article and find it in the list and, within seconds, in
// database B's count on the status page; be told of each field's error;
// edit while someone else changes the article and be shown the conflict
// instead of overwriting it; delete; watch a change made with curl appear;
// be throttled and told so in plain words. The page loads nothing from
// anywhere but the gateway and logs no error of its own.
func TestWebApp(t *testing.T) {
	browser := browsertest.Open(t)
	cfg, _ := startFullstack(t)
	gw := "http://" + cfg.Gateway.HTTP
	key := cfg.Gateway.DevAPIKey
	page := newPage(t, browser)

	page.open(gw + "/")
	if banner := page.text(`#dev-banner`); !strings.Contains(strings.ToLower(banner), "development") {
		t.Errorf("the development banner says %q", banner)
	}

	// Write an article in the form, as a person types.
	page.open(gw + "/#/new")
	page.do("fill the form",
		chromedp.SendKeys(`#title`, "Written in the browser"),
		chromedp.SendKeys(`#content`, "Typed into the form."),
		chromedp.SendKeys(`#author`, "browser"),
		chromedp.SendKeys(`#tags`, "web, live"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#article`),
	)
	id := page.eval(`location.hash.match(/^#\/articles\/(\d+)/)?.[1] ?? ''`)
	if id == "" {
		t.Fatalf("after saving, the page is %s, not the article's", page.eval(`location.href`))
	}
	var stored articles.Article
	decode(t, do(t, "GET", gw+"/articles/"+id, ""), &stored)
	if stored.Title != "Written in the browser" || stored.Author != "browser" || !slices.Equal(stored.Tags, []string{"web", "live"}) {
		t.Fatalf("the page stored %+v", stored)
	}
	page.open(gw + "/#/")
	page.wait("the new article in the list", fmt.Sprintf(`document.querySelector('[data-article-id="%s"] .article-title')?.innerText ?? ''`, id), "Written in the browser")

	// Within seconds it is in database B: the status page counts it.
	page.open(gw + "/#/status")
	total := listTotal(t, gw)
	page.wait("database B's count", `document.querySelector('#db-B-articles')?.innerText.trim() ?? ''`, strconv.Itoa(total))
	if a := page.text(`#db-A-articles`); a != strconv.Itoa(total) {
		t.Errorf("database A's count = %q, want %d", a, total)
	}
	for _, part := range []string{`#outbox-pending`, `#consumer-lag`, `#sync-delay`, `#dead-letters`, `#etl-last`, `#gateway-upstreams`, `#throttled`, `#chart-requests canvas`, `#chart-sync-delay canvas`} {
		page.do("status: "+part, chromedp.WaitVisible(part))
	}
	time.Sleep(5 * time.Second) // a few points on the charts
	browser.Screenshot("webapp-status.png")

	// An invalid article: each field's error by its field, nothing stored.
	page.open(gw + "/#/new")
	page.do("an invalid article",
		chromedp.SendKeys(`#title`, "   "),
		chromedp.SendKeys(`#tags`, strings.Repeat("x", articles.MaxTagLen+1)),
		chromedp.Click(`#save`),
	)
	page.wait("the title's error", `document.querySelector('#title-error')?.innerText ?? ''`, "")
	if tags := page.text(`#tags-error`); tags == "" {
		t.Error("the tags' error is not shown")
	}
	if page.eval(`document.querySelector('#title').getAttribute('aria-invalid')`) != "true" {
		t.Error("the title is not marked aria-invalid")
	}
	browser.Screenshot("webapp-form-errors.png")
	if n := listTotal(t, gw); n != total {
		t.Fatalf("an invalid article changed the count from %d to %d", total, n)
	}

	// Edit while someone else changes the article: a conflict, shown,
	// never an overwrite.
	page.open(gw + "/#/articles/" + id + "/edit")
	page.do("the edit form", chromedp.WaitVisible(`#title`))
	page.fill(`#title`, "Mine")
	resp := do(t, "PUT", gw+"/articles/"+id, `{"title":"Theirs","author":"curl"}`, "apikey", key)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the concurrent PUT: %d", resp.StatusCode)
	}
	page.do("save the stale form", chromedp.Click(`#save`))
	page.wait("the conflict", `document.querySelector('#conflict')?.innerText ?? ''`, "")
	if c := page.text(`#conflict`); !strings.Contains(c, "someone else") {
		t.Errorf("the conflict says %q", c)
	}
	browser.Screenshot("webapp-conflict.png")
	decode(t, do(t, "GET", gw+"/articles/"+id, ""), &stored)
	if stored.Title != "Theirs" {
		t.Fatalf("after the conflict the article is %q: the form overwrote it", stored.Title)
	}
	page.do("reload the article", chromedp.Click(`#conflict-reload`))
	page.wait("the form with their version", `document.querySelector('#title')?.value ?? ''`, "Theirs")

	// Delete, confirmed.
	page.open(gw + "/#/articles/" + id)
	page.do("delete",
		chromedp.Click(`#delete`),
		chromedp.WaitVisible(`#confirm-delete`),
		chromedp.Click(`#confirm-delete-yes`),
		chromedp.WaitVisible(`#articles`),
	)
	eventually(t, "the article deleted", func() bool {
		resp := do(t, "GET", gw+"/articles/"+id, "")
		resp.Body.Close()
		return resp.StatusCode == http.StatusNotFound
	})

	// A change made with curl appears without a reload, then changes;
	// among others, for a list worth a screenshot.
	for _, a := range []string{
		`{"title":"Designing the outbox","author":"ada","tags":["kafka","design"]}`,
		`{"title":"Kettle files, natively","author":"grace","tags":["etl"]}`,
		`{"title":"Throttling tiers, as WSO2 has them","author":"linus","tags":["gateway"]}`,
		`{"title":"Live lists without layout shift","author":"ada","tags":["web","live"]}`,
	} {
		do(t, "POST", gw+"/articles", a, "apikey", key).Body.Close()
	}
	page.open(gw + "/#/")
	page.do("the list", chromedp.WaitVisible(`#articles`))
	time.Sleep(time.Second) // the subscription is up
	var made articles.Article
	decode(t, do(t, "POST", gw+"/articles", `{"title":"Made with curl","author":"curl"}`, "apikey", key), &made)
	row := fmt.Sprintf(`document.querySelector('[data-article-id="%d"] .article-title')?.innerText ?? ''`, made.ID)
	page.wait("the article made with curl, live", row, "Made with curl")
	resp = do(t, "PUT", fmt.Sprintf("%s/articles/%d", gw, made.ID), `{"title":"Changed with curl","author":"curl"}`, "apikey", key)
	resp.Body.Close()
	page.wait("the change made with curl, live", row, "Changed with curl")
	browser.Screenshot("webapp-list.png")

	// Throttled: the page says so and when to try again.
	lowerQueryLimit(t, cfg)
	for range 4 {
		page.open(gw + "/#/?page=1")
		if page.eval(`document.querySelector('#notice')?.dataset.kind ?? ''`) == "rate_limited" {
			break
		}
	}
	page.wait("the throttling message", `document.querySelector('#notice[data-kind="rate_limited"]')?.innerText ?? ''`, "")
	if notice := strings.ToLower(page.text(`#notice`)); !strings.Contains(notice, "too many requests") || !strings.Contains(notice, "second") {
		t.Errorf("the throttling message says %q", notice)
	}
	browser.Screenshot("webapp-throttled.png")

	if others := slices.DeleteFunc(browser.Requested(), func(u string) bool { return strings.HasPrefix(u, gw+"/") }); len(others) > 0 {
		t.Errorf("the page requested %v, beyond the gateway", others)
	}
	if problems := browser.Problems(); len(problems) > 0 {
		t.Errorf("the page had errors: %q", problems)
	}
}

// page drives the browser's tab, failing the test on the first error.
type page struct {
	t *testing.T
	b *browsertest.Browser
}

func newPage(t *testing.T, b *browsertest.Browser) page { return page{t, b} }

func (p page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.b.Context(), actions...); err != nil {
		p.t.Fatalf("browser: %s: %v", what, err)
	}
}

// open loads url afresh, as a typed address or a bookmark does, and waits
// until the app has started. (From a page of the app, a new hash alone
// would not load the page again.)
func (p page) open(url string) {
	p.t.Helper()
	p.do("open "+url, chromedp.Navigate("about:blank"), chromedp.Navigate(url), chromedp.WaitVisible(`body[data-ready="true"]`))
}

func (p page) eval(js string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.b.Context(), chromedp.Evaluate[string](`String(`+js+`)`))
	if err != nil {
		p.t.Fatalf("browser: %s: %v", js, err)
	}
	return v
}

func (p page) text(selector string) string {
	p.t.Helper()
	return strings.TrimSpace(p.eval(fmt.Sprintf(`document.querySelector(%q)?.innerText ?? ''`, selector)))
}

// fill replaces an input's value as typing would, with the events a
// person's typing sends.
func (p page) fill(selector, value string) {
	p.t.Helper()
	p.eval(fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value').set.call(el, %q);
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
		return 'ok';
	})()`, selector, value))
}

// wait polls js until it returns want, or anything non-empty when want is
// empty.
func (p page) wait(what, js, want string) {
	p.t.Helper()
	last := ""
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		last = strings.TrimSpace(p.eval(js))
		if (want == "" && last != "") || (want != "" && last == want) {
			return
		}
	}
	p.b.Screenshot("webapp-failed.png")
	p.t.Fatalf("%s: the page shows %q, want %q", what, last, want)
}

// listTotal is the number of live articles, as the REST API counts them.
func listTotal(t *testing.T, gw string) int {
	t.Helper()
	resp := do(t, "GET", gw+"/articles?limit=1", "")
	resp.Body.Close()
	n, err := strconv.Atoi(resp.Header.Get("X-Total-Count"))
	if err != nil {
		t.Fatalf("X-Total-Count %q", resp.Header.Get("X-Total-Count"))
	}
	return n
}

// lowerQueryLimit lets everyone together make 2 GraphQL queries a
// minute, as an operator would through the admin API.
func lowerQueryLimit(t *testing.T, cfg config) {
	t.Helper()
	gw, err := cfg.Gateway.Config(cfg.REST.Addr, cfg.GraphQL.Addr, cfg.WebApp.Addr)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(gw.Routes, func(r gateway.Route) bool { return r.Name == "graphql" })
	if i < 0 {
		t.Fatal("no graphql route")
	}
	route := gw.Routes[i]
	route.GraphQL.Operations.Query.Limit = gateway.Limit{Requests: 2, Per: time.Minute}
	body, err := yaml.Marshal(route)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("PUT", "https://"+cfg.Gateway.Admin+"/routes/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", cfg.Gateway.DevAdminPass)
	req.Header.Set("Content-Type", "application/yaml")
	// The development certificate is self-signed.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // loopback, test
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /routes/graphql: %d", resp.StatusCode)
	}
}

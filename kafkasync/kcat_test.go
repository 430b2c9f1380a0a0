package kafkasync_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/articlekit/articlekit/articles"
)

// requireKcat returns the kcat binary, skipping the test without it (and
// failing it under CI=true).
func requireKcat(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat is not installed: CI must provide it (apt-get install kcat)")
		}
		t.Skip("kcat is not installed (apt-get install kcat)")
	}
	return path
}

// An external client reads the published events as CloudEvents, and an
// event it produces is applied.
func TestKcatInterop(t *testing.T) {
	kcat := requireKcat(t)
	f := newFixture(t, false)
	ctx := context.Background()
	a, err := f.src.Create(ctx, articles.Draft{Title: "Seen by kcat", Tags: []string{"interop"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.src.Update(ctx, a.ID, articles.Draft{Title: "Seen by kcat, twice"}, 1); err != nil {
		t.Fatal(err)
	}
	f.startRelay()
	// kcat -e stops at the end of the partition: it must find both
	// events there, which a busy machine's relay may publish after a
	// second or more (the topic is created with the first).
	for deadline := time.Now().Add(30 * time.Second); f.pending() > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the relay published nothing within 30s (%d pending)", f.pending())
		}
	}

	out, err := exec.Command(kcat, "-C", "-b", f.cfg.Brokers[0], "-t", f.cfg.Topic, "-o", "beginning",
		"-c", "2", "-e", "-q", "-f", `%k %s\n`).Output()
	if err != nil {
		t.Fatalf("kcat -C: %v", err)
	}
	var types []string
	scanner := bufio.NewScanner(bytes.NewReader(out))
	for scanner.Scan() {
		key, value, _ := strings.Cut(scanner.Text(), " ")
		var ce struct {
			SpecVersion     string           `json:"specversion"`
			ID              string           `json:"id"`
			Source          string           `json:"source"`
			Type            string           `json:"type"`
			Subject         string           `json:"subject"`
			Time            time.Time        `json:"time"`
			DataContentType string           `json:"datacontenttype"`
			Data            articles.Article `json:"data"`
		}
		if err := json.Unmarshal([]byte(value), &ce); err != nil {
			t.Fatalf("kcat read %q: %v", value, err)
		}
		if ce.SpecVersion != "1.0" || ce.ID == "" || ce.Source != f.cfg.Source || ce.Subject != key ||
			ce.DataContentType != "application/json" || ce.Time.IsZero() || ce.Data.ID != a.ID || ce.Data.Version == 0 {
			t.Fatalf("not the CloudEvent expected: %s", value)
		}
		types = append(types, ce.Type+"@"+ce.Subject)
	}
	if strings.Join(types, " ") != "article.created@1 article.updated@1" {
		t.Fatalf("kcat read %v", types)
	}

	// kcat produces an event; the consumer applies it.
	f.startConsumer(nil)
	event := `{"specversion":"1.0","id":"from-kcat-1","source":"urn:test:kcat","type":"article.created",` +
		`"subject":"777","time":"2026-11-26T10:00:00Z","datacontenttype":"application/json",` +
		`"data":{"id":777,"title":"Made by kcat","content":"","author":"kcat","tags":[],` +
		`"created_at":"2026-11-26T10:00:00Z","updated_at":"2026-11-26T10:00:00Z","version":1}}`
	produce := exec.Command(kcat, "-P", "-b", f.cfg.Brokers[0], "-t", f.cfg.Topic, "-k", "777",
		"-H", "content-type=application/cloudevents+json")
	produce.Stdin = strings.NewReader(event + "\n")
	if out, err := produce.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v: %s", err, out)
	}
	f.waitApplied(3, time.Minute)
	got, err := f.dst.Get(ctx, 777)
	if err != nil || got.Title != "Made by kcat" || got.Author != "kcat" || got.Version != 1 {
		t.Fatalf("article 777 in B = %+v, %v", got, err)
	}
}

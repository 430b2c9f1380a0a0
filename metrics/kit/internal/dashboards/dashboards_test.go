package dashboards_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/articlekit/articlekit/metrics/kit/internal/dashboards"
)

// Every dashboard reads back as a Grafana dashboard; uids and file names
// are unique; every panel has a unique id and title, says what it shows,
// and queries the dashboards' Prometheus variable with expressions whose
// placeholders were all replaced.
func TestDashboards(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	files, err := dashboards.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 7 {
		t.Fatalf("%d dashboards, want 7: the overview and one per component", len(files))
	}
	uids := map[string]bool{}
	for _, f := range files {
		var d dashboard.Dashboard
		if err := json.Unmarshal(f.JSON, &d); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if d.Uid == nil || uids[*d.Uid] || f.Name != *d.Uid+".json" {
			t.Errorf("%s: uid %v is missing, taken, or not the file's name", f.Name, d.Uid)
			continue
		}
		uids[*d.Uid] = true
		if d.Description == nil || *d.Description == "" || len(d.Tags) == 0 || d.Tags[0] != dashboards.Tag {
			t.Errorf("%s: no description or tag", f.Name)
		}
		ids, titles := map[uint32]bool{}, map[string]bool{}
		for _, p := range d.Panels {
			if r := p.RowPanel; r != nil {
				if ids[r.Id] || r.Id == 0 {
					t.Errorf("%s: a row has id %d, zero or taken", f.Name, r.Id)
				}
				ids[r.Id] = true
				continue
			}
			panel := p.Panel
			title := ""
			if panel.Title != nil {
				title = *panel.Title
			}
			if title == "" || titles[title] {
				t.Errorf("%s: a panel's title %q is empty or taken", f.Name, title)
			}
			titles[title] = true
			if panel.Id == nil || *panel.Id == 0 || ids[*panel.Id] {
				t.Errorf("%s / %s: no id, or a taken one", f.Name, title)
			} else {
				ids[*panel.Id] = true
			}
			if panel.Description == nil || *panel.Description == "" {
				t.Errorf("%s / %s: no description", f.Name, title)
			}
			if panel.Datasource == nil || panel.Datasource.Uid == nil || *panel.Datasource.Uid != "${datasource}" {
				t.Errorf("%s / %s: not on the datasource variable", f.Name, title)
			}
			if len(panel.Targets) == 0 {
				t.Errorf("%s / %s: no query", f.Name, title)
			}
			raw, _ := json.Marshal(panel.Targets)
			if strings.Contains(string(raw), "$sel") {
				t.Errorf("%s / %s: an unreplaced $sel", f.Name, title)
			}
		}
	}
}

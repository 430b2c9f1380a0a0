package kit_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/articlekit/articlekit/metrics/kit/internal/dashboards"
)

// The JSON shipped is what the Go code builds: go generate has run.
func TestDashboardsAreGenerated(t *testing.T) {
	files, err := dashboards.All()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		shipped, err := os.ReadFile(filepath.Join(dashboardsDir, f.Name))
		if err != nil || !bytes.Equal(shipped, f.JSON) {
			t.Errorf("%s is not what internal/dashboards builds (%v): run go generate ./metrics/kit", f.Name, err)
		}
	}
	for _, path := range glob(t, filepath.Join(dashboardsDir, "*.json")) {
		if !slices.Contains(names, filepath.Base(path)) {
			t.Errorf("%s: no code builds it: run go generate ./metrics/kit", path)
		}
	}
}

// Every alert has promtool cases that see it fire and see it stay quiet,
// and every case is about an alert that exists.
func TestEveryAlertTestedFiringAndNot(t *testing.T) {
	fired, quiet := map[string]bool{}, map[string]bool{}
	for _, path := range glob(t, ruleTestsGlob) {
		var f struct {
			Tests []struct {
				AlertRuleTest []struct {
					Alertname string `yaml:"alertname"`
					ExpAlerts []any  `yaml:"exp_alerts"`
				} `yaml:"alert_rule_test"`
			} `yaml:"tests"`
		}
		readYAML(t, path, &f)
		for _, test := range f.Tests {
			for _, c := range test.AlertRuleTest {
				if len(c.ExpAlerts) > 0 {
					fired[c.Alertname] = true
				} else {
					quiet[c.Alertname] = true
				}
			}
		}
	}
	alerts := map[string]bool{}
	for _, r := range rules(t) {
		if r.Alert == "" {
			continue
		}
		alerts[r.Alert] = true
		if !fired[r.Alert] {
			t.Errorf("%s: no promtool case sees it fire", r.Alert)
		}
		if !quiet[r.Alert] {
			t.Errorf("%s: no promtool case sees it stay quiet", r.Alert)
		}
	}
	for name := range fired {
		if !alerts[name] {
			t.Errorf("promtool cases of %s, which is no alert", name)
		}
	}
	for name := range quiet {
		if !alerts[name] {
			t.Errorf("promtool cases of %s, which is no alert", name)
		}
	}
}

// Every alert says what happened (summary, description), how bad it is
// (severity), and has a runbook in the README.
func TestEveryAlertDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, monitoring, ok := strings.Cut(string(readme), "\n## Monitoring\n")
	if !ok {
		t.Fatal("the README has no Monitoring section")
	}
	monitoring, _, _ = strings.Cut(monitoring, "\n## ")
	n := 0
	for _, r := range rules(t) {
		if r.Alert == "" {
			continue
		}
		n++
		if s := r.Labels["severity"]; s != "critical" && s != "warning" {
			t.Errorf("%s: severity %q, want critical or warning", r.Alert, s)
		}
		for _, a := range []string{"summary", "description"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("%s: no %s annotation", r.Alert, a)
			}
		}
		if !strings.Contains(monitoring, fmt.Sprintf("\n#### %s\n", r.Alert)) {
			t.Errorf("%s: no runbook (a heading #### %[1]s) in the README's Monitoring section", r.Alert)
		}
	}
	if n == 0 {
		t.Fatal("no alerts")
	}
}

// Both Prometheus configurations scrape at the original's 10s, load every
// rule file, and Grafana's data source knows that interval
// ($__rate_interval is at least four of it).
func TestConfigurationsAgree(t *testing.T) {
	var ds struct {
		Datasources []struct {
			JSONData struct {
				TimeInterval string `yaml:"timeInterval"`
			} `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	readYAML(t, provisioningDS, &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].JSONData.TimeInterval != "10s" {
		t.Errorf("%s: want one data source with timeInterval 10s: %+v", provisioningDS, ds)
	}
	var ruleFiles []string
	for _, path := range glob(t, rulesGlob) {
		ruleFiles = append(ruleFiles, strings.TrimPrefix(path, "prometheus/"))
	}
	for _, path := range []string{fullstackYML, componentsYML} {
		cfg := readConfig(t, path)
		if cfg.Global.ScrapeInterval != "10s" || cfg.Global.EvaluationInterval != "10s" {
			t.Errorf("%s: scrape every %s, evaluate every %s; want 10s, the original system's",
				path, cfg.Global.ScrapeInterval, cfg.Global.EvaluationInterval)
		}
		if got := slices.Sorted(slices.Values(cfg.RuleFiles)); !slices.Equal(got, ruleFiles) {
			t.Errorf("%s: rule_files %q, want %q", path, got, ruleFiles)
		}
	}
}

// config is the part of a Prometheus configuration the tests read.
type config struct {
	Global struct {
		ScrapeInterval     string `yaml:"scrape_interval"`
		EvaluationInterval string `yaml:"evaluation_interval"`
	} `yaml:"global"`
	RuleFiles     []string         `yaml:"rule_files"`
	ScrapeConfigs []map[string]any `yaml:"scrape_configs"`
}

func readConfig(t *testing.T, path string) config {
	t.Helper()
	var cfg config
	readYAML(t, path, &cfg)
	return cfg
}

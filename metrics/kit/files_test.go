package kit_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The kit's files, relative to this package.
const (
	rulesGlob      = "prometheus/rules/*.yml"
	ruleTestsGlob  = "prometheus/tests/*.yml"
	dashboardsDir  = "grafana/dashboards"
	fullstackYML   = "prometheus/prometheus.yml"
	componentsYML  = "prometheus/prometheus-components.yml"
	provisioningDS = "grafana/provisioning/datasources/articlekit.yml"
)

// rule is a recording or alerting rule of the kit.
type rule struct {
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil || len(paths) == 0 {
		t.Fatalf("no files %s (%v)", pattern, err)
	}
	return paths
}

// rules reads every rule of the kit's rule files.
func rules(t *testing.T) []rule {
	t.Helper()
	var all []rule
	for _, path := range glob(t, rulesGlob) {
		var f struct {
			Groups []struct {
				Rules []rule `yaml:"rules"`
			} `yaml:"groups"`
		}
		readYAML(t, path, &f)
		for _, g := range f.Groups {
			all = append(all, g.Rules...)
		}
	}
	return all
}

// expression is a PromQL expression of the kit, named by where it is.
type expression struct {
	where string // "alert X", "record X", "Dashboard / Panel", "Dashboard / variable v"
	expr  string
}

// dashboardExpressions reads every panel query and variable query of the
// generated dashboards.
func dashboardExpressions(t *testing.T) (panels, variables []expression) {
	t.Helper()
	type panel struct {
		Type    string
		Title   string
		Targets []struct{ Expr string }
		Panels  json.RawMessage // a collapsed row's
	}
	for _, path := range glob(t, filepath.Join(dashboardsDir, "*.json")) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Title      string
			Panels     []panel
			Templating struct {
				List []struct{ Type, Name, Query string }
			}
		}
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		all := d.Panels
		for i := 0; i < len(all); i++ {
			if len(all[i].Panels) > 0 {
				var nested []panel
				if err := json.Unmarshal(all[i].Panels, &nested); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				all = append(all, nested...)
			}
		}
		for _, p := range all {
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("%s / %s: a panel without a query", d.Title, p.Title)
			}
			for _, target := range p.Targets {
				panels = append(panels, expression{d.Title + " / " + p.Title, target.Expr})
			}
		}
		for _, v := range d.Templating.List {
			if v.Type == "query" {
				variables = append(variables, expression{d.Title + " / variable " + v.Name, v.Query})
			}
		}
	}
	return panels, variables
}

// PromQL's words that look like metric names but are not.
var promqlWords = []string{"and", "or", "unless", "bool", "offset", "inf", "nan"}

var (
	stringLiteral  = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	labelMatchers  = regexp.MustCompile(`\{[^}]*\}`)
	labelLists     = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ranges         = regexp.MustCompile(`\[[^\]]*\]`)
	identifier     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	grafanaVarLike = regexp.MustCompile(`\$\{?\w+`)
)

// metricNames lists the metric names an expression selects: the
// identifiers that are not functions, keywords, label names, durations or
// numbers. It is a scanner, not a parser, which is enough for the kit's
// expressions (a test holds it to that).
func metricNames(expr string) []string {
	expr = stringLiteral.ReplaceAllString(expr, `""`)
	expr = labelMatchers.ReplaceAllString(expr, " ")
	expr = labelLists.ReplaceAllString(expr, " ")
	expr = ranges.ReplaceAllString(expr, " ")
	expr = grafanaVarLike.ReplaceAllString(expr, " ")
	var names []string
	for _, loc := range identifier.FindAllStringIndex(expr, -1) {
		name := expr[loc[0]:loc[1]]
		if loc[0] > 0 && strings.ContainsAny(expr[loc[0]-1:loc[0]], "0123456789.") {
			continue // an exponent or a suffix of a number: 1e3, 0x1f
		}
		if rest := strings.TrimLeft(expr[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // a function or an aggregation
		}
		if slices.Contains(promqlWords, strings.ToLower(name)) || slices.Contains(names, name) {
			continue
		}
		names = append(names, name)
	}
	return names
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`up{job=~"articlekit.*"} == 0`: {"up"},
		`sum by (job, server) (rate(http_requests_total{status=~"5..", route!~"/metrics|/health"}[5m]))
		 or sum by (job, server) (rate(http_requests_total[5m])) * 0`: {"http_requests_total"},
		`histogram_quantile(0.99, sum by (le) (rate(kafkasync_sync_delay_seconds_bucket{job=~"$job"}[$__rate_interval])))`: {"kafkasync_sync_delay_seconds_bucket"},
		`job:gateway_request_errors:ratio_rate1h > (14.4 * 0.001) and job:gateway_request_errors:ratio_rate5m > 1e-3`:      {"job:gateway_request_errors:ratio_rate1h", "job:gateway_request_errors:ratio_rate5m"},
		`time() - max by (pipeline) (etl_last_success_timestamp_seconds) > 3 * 60`:                                         {"etl_last_success_timestamp_seconds"},
		`count(ALERTS{alertstate="firing"}) or vector(0)`:                                                                  {"ALERTS"},
		`a / on (x) group_left (y) b offset 5m unless c[5m:1m] > bool Inf`:                                                 {"a", "b", "c"},
		`sum(rate(x_total{l="a}b"}[1m]))`:                                                                                  {"x_total"},
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%q) = %q, want %q", expr, got, want)
		}
	}
}

// Package dashboards builds the monitoring kit's Grafana dashboards as
// code, with the Grafana Foundation SDK: the overview and one dashboard
// per component, over the metrics ArticleKit exports and the recording
// rules in metrics/kit/prometheus/rules. The generator (../gen) writes
// them to metrics/kit/grafana/dashboards.
package dashboards

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/heatmap"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/statetimeline"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// File is a dashboard as the generator writes it.
type File struct {
	Name string // e.g. articlekit-overview.json
	JSON []byte
}

// Tag is on every ArticleKit dashboard; their links list the dashboards
// that carry it.
const Tag = "articlekit"

// All builds every dashboard, in a stable order.
func All() ([]File, error) {
	var files []File
	for _, build := range []func() *dashboard.DashboardBuilder{overview, rest, graphql, gateway, sync, etl, runtime} {
		d, err := build().Build()
		if err != nil {
			return nil, err
		}
		finish(&d)
		data, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: *d.Uid + ".json", JSON: append(data, '\n')})
	}
	return files, nil
}

// finish does what the builders cannot: it gives rows and panels the ids
// Grafana links and edits them by (1, 2, … in layout order), and puts the
// links above the panels, where Grafana shows links without a placement
// (the SDK's default placement is inside the controls menu).
func finish(d *dashboard.Dashboard) {
	for i := range d.Links {
		d.Links[i].Placement = nil
	}
	for i := range d.Panels {
		id := uint32(i + 1)
		if p := d.Panels[i].Panel; p != nil {
			p.Id = &id
		} else if r := d.Panels[i].RowPanel; r != nil {
			r.Id = id
		}
	}
}

// datasource is the dashboards' Prometheus: the value of their datasource
// variable.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// sel stands, in the expressions below, for the label matchers of the job
// and instance variables; q replaces it.
const sel = "$sel"

var selectors = strings.NewReplacer(sel, `job=~"$job", instance=~"$instance"`)

// newDashboard starts a dashboard with the variables and links every
// ArticleKit dashboard has: the Prometheus data source, job (the
// ArticleKit scrape jobs), instance (unless jobOnly: dashboards over
// recording rules aggregate instances away), and a menu of the others.
func newDashboard(uid, title, description string, jobOnly bool) *dashboard.DashboardBuilder {
	b := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{Tag}).
		Refresh("30s").
		Time("now-1h", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Link(dashboard.NewDashboardLinkBuilder("ArticleKit").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{Tag}).
			AsDropdown(true).
			IncludeVars(true).
			KeepTime(true)).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Data source").
			Type("prometheus")).
		WithVariable(queryVariable("job", "Job", `label_values(up{job=~"articlekit.*"}, job)`))
	if !jobOnly {
		b.WithVariable(queryVariable("instance", "Instance", `label_values(up{job=~"$job"}, instance)`))
	}
	return b
}

// queryVariable is a multi-value variable over a label's values, All by
// default.
func queryVariable(name, label, query string) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Query(dashboard.StringOrMap{String: cog.ToPtr(query)}).
		Definition(query).
		Datasource(datasource).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Multi(true).
		IncludeAll(true).
		Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{String: cog.ToPtr("All")},
			Value:    dashboard.StringOrArrayOfString{String: cog.ToPtr("$__all")},
		})
}

// query is one PromQL expression of a panel and its legend.
type query struct{ expr, legend string }

func q(expr, legend string) query { return query{selectors.Replace(expr), legend} }

func targets(qs []query) []cog.Builder[variants.Dataquery] {
	ts := make([]cog.Builder[variants.Dataquery], len(qs))
	for i, q := range qs {
		ts[i] = prometheus.NewDataqueryBuilder().
			Datasource(datasource).
			RefId(string(rune('A' + i))).
			Expr(q.expr).
			LegendFormat(q.legend)
	}
	return ts
}

// row is a dashboard row; rows are never collapsed, so each panel after
// it is the row's.
func row(title string) *dashboard.RowBuilder { return dashboard.NewRowBuilder(title) }

// graph is a time series panel, half the dashboard wide.
func graph(title, description, unit string, qs ...query) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Title(title).
		Description(description).
		Datasource(datasource).
		Targets(targets(qs)).
		Unit(unit).
		Min(0).
		Span(12).
		Height(8).
		FillOpacity(10).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending))
}

// withLines draws thresholds as dashed lines on a graph.
func withLines(p *timeseries.PanelBuilder, steps ...dashboard.Threshold) *timeseries.PanelBuilder {
	return p.Thresholds(thresholds(steps...)).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))
}

// sli graphs an API's error ratio (recording rules over two windows, what
// is the description's start) with the burn-rate alerts' thresholds.
func sli(what string, qs ...query) *timeseries.PanelBuilder {
	return withLines(graph("Error ratio (SLI)",
		what+" over 5 minutes and 1 hour (recording rules, by job). The lines are the alerts' thresholds: 0.6% (6 × the 0.1% budget: slow burn, over 6h and 30m) and 1.44% (14.4 ×: fast burn, over 1h and 5m).",
		"percentunit", qs...), at(slowBurn*errorBudget, "orange"), at(fastBurn*errorBudget, "red"))
}

// single is a stat panel: one number (or one per series), a quarter wide.
func single(title, description, unit string, qs ...query) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title(title).
		Description(description).
		Datasource(datasource).
		Targets(targets(qs)).
		Unit(unit).
		Span(6).
		Height(5).
		GraphMode(common.BigValueGraphModeArea).
		ColorMode(common.BigValueColorModeValue).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
}

// states is a state timeline of 0/1 gauges: up or down.
func states(title, description string, qs ...query) *statetimeline.PanelBuilder {
	return statetimeline.NewPanelBuilder().
		Title(title).
		Description(description).
		Datasource(datasource).
		Targets(targets(qs)).
		Span(12).
		Height(8).
		Mappings([]dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{
			Type: dashboard.MappingTypeValueToText,
			Options: map[string]dashboard.ValueMappingResult{
				"0": {Text: cog.ToPtr("down"), Color: cog.ToPtr("red"), Index: cog.ToPtr[int32](0)},
				"1": {Text: cog.ToPtr("up"), Color: cog.ToPtr("green"), Index: cog.ToPtr[int32](1)},
			},
		}}})
}

// distribution is a heatmap of a histogram's buckets: expr is a sum by
// (le) of the buckets' increase.
func distribution(title, description, unit, expr string) *heatmap.PanelBuilder {
	t := prometheus.NewDataqueryBuilder().
		Datasource(datasource).
		RefId("A").
		Expr(selectors.Replace(expr)).
		LegendFormat("{{le}}").
		Format(prometheus.PromQueryFormatHeatmap)
	return heatmap.NewPanelBuilder().
		Title(title).
		Description(description).
		Datasource(datasource).
		WithTarget(t).
		Span(12).
		Height(8).
		Calculate(false).
		CellGap(1).
		Color(heatmap.NewHeatmapColorOptionsBuilder().
			Mode(heatmap.HeatmapColorModeScheme).
			Scheme("Oranges").
			Scale(heatmap.HeatmapColorScaleExponential).
			Exponent(0.5).
			Steps(64)).
		YAxis(heatmap.NewYAxisConfigBuilder().Unit(unit)).
		RowsFrame(heatmap.NewRowsHeatmapOptionsBuilder().Layout(common.HeatmapCellLayoutLe)).
		Tooltip(heatmap.NewHeatmapTooltipBuilder().Mode(common.TooltipDisplayModeSingle).YHistogram(true))
}

// thresholds are absolute steps; the first, from -∞, is green.
func thresholds(steps ...dashboard.Threshold) *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().
		Mode(dashboard.ThresholdsModeAbsolute).
		Steps(append([]dashboard.Threshold{{Color: "green"}}, steps...))
}

func at(value float64, color string) dashboard.Threshold {
	return dashboard.Threshold{Value: cog.ToPtr(value), Color: color}
}

// quantile is the q-quantile of a histogram's buckets (a selector) over
// the rate interval, by the labels by.
func quantile(q float64, buckets string, by ...string) string {
	return fmt.Sprintf("histogram_quantile(%g, sum by (%s) (rate(%s[$__rate_interval])))",
		q, strings.Join(append(by, "le"), ", "), buckets)
}

// ratio is sum by (by) of part's rate over that of whole, 0 rather than
// missing when part has no series: "no errors" reads as 0%.
func ratio(part, whole, by string) string {
	return fmt.Sprintf("(sum by (%[3]s) (rate(%[1]s[$__rate_interval])) or sum by (%[3]s) (rate(%[2]s[$__rate_interval])) * 0)\n/ sum by (%[3]s) (rate(%[2]s[$__rate_interval]))",
		part, whole, by)
}

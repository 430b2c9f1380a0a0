// Package kit is ArticleKit's monitoring kit, in the spirit of the
// monitoring mixins: Prometheus configuration, recording and alerting
// rules with their tests, and Grafana dashboards with provisioning files,
// shipped together as files beside this package:
//
//	prometheus/prometheus.yml             the fullstack, scraped every 10s
//	prometheus/prometheus-components.yml  the components run as separate programs
//	prometheus/rules/                     recording.yml (SLIs), alerts.yml
//	prometheus/tests/                     promtool test rules cases
//	grafana/dashboards/                   generated dashboard JSON
//	grafana/provisioning/                 the data source and dashboard providers
//
// The dashboards are code (internal/dashboards, on the Grafana Foundation
// SDK); go generate writes their JSON. The package's tests run a real
// Prometheus against a running fullstack and execute every rule's and
// every panel's expression (see the README's Monitoring section).
package kit

//go:generate go run ./internal/gen grafana/dashboards

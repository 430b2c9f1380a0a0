package articles

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Collector returns the service's metrics for registration with a
// prometheus.Registerer:
//
//	articles_changes_total{type}                 counter: committed changes
//	articles_replicated_changes_total{result}    counter: Apply outcomes
//	articles_stored                              gauge: live articles
//	articles_outbox_pending_events               gauge: unpublished outbox events
//	articles_outbox_oldest_pending_age_seconds   gauge: age of the oldest of them
//	articles_change_subscribers                  gauge: open Changes subscriptions
//	go_sql_*{db_name="articles_write"|"articles_read"}  connection pool statistics
//
// The gauges are read from the database at scrape time.
func (s *Service) Collector() prometheus.Collector {
	c := &collector{
		svc:     s,
		stored:  prometheus.NewDesc("articles_stored", "Live (not deleted) articles in the store.", nil, nil),
		pending: prometheus.NewDesc("articles_outbox_pending_events", "Outbox events not yet published.", nil, nil),
		oldest: prometheus.NewDesc("articles_outbox_oldest_pending_age_seconds",
			"Age of the oldest unpublished outbox event; 0 when none is pending.", nil, nil),
		subscribers: prometheus.NewDesc("articles_change_subscribers",
			"Open subscriptions to the service's change feed.", nil, nil),
		inner: []prometheus.Collector{s.changes, s.applies,
			collectors.NewDBStatsCollector(s.store.db.Write.DB, "articles_write")},
	}
	if s.store.db.Read != s.store.db.Write {
		c.inner = append(c.inner, collectors.NewDBStatsCollector(s.store.db.Read.DB, "articles_read"))
	}
	return c
}

type collector struct {
	svc                                  *Service
	stored, pending, oldest, subscribers *prometheus.Desc
	inner                                []prometheus.Collector
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, in := range c.inner {
		in.Describe(ch)
	}
	ch <- c.stored
	ch <- c.pending
	ch <- c.oldest
	ch <- c.subscribers
}

// scrapeTimeout bounds the database queries of one scrape, well under
// Prometheus' default 10s scrape timeout.
const scrapeTimeout = 3 * time.Second

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	for _, in := range c.inner {
		in.Collect(ch)
	}
	ch <- prometheus.MustNewConstMetric(c.subscribers, prometheus.GaugeValue, float64(c.svc.hub.count()))
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	db := c.svc.store.db.Read
	if n, err := db.NewSelect().Model((*articleRow)(nil)).Where("a.deleted_at IS NULL").Count(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.stored, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.stored, prometheus.GaugeValue, float64(n))
	}
	stats, err := c.svc.store.Outbox().Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.pending, err)
		ch <- prometheus.NewInvalidMetric(c.oldest, err)
		return
	}
	var age float64
	if !stats.OldestPending.IsZero() {
		age = max(0, c.svc.now().Sub(stats.OldestPending).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(stats.Pending))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}

package kafkasync

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the relay's and the consumer's:
//
//	kafkasync_relayed_events_total                 counter
//	kafkasync_relay_errors_total                   counter: failed publish attempts
//	kafkasync_relay_leader                         gauge: 1 while this relay holds the lease
//	kafkasync_consumed_events_total                counter
//	kafkasync_applied_events_total{result}         counter: applied, stale
//	kafkasync_dead_lettered_events_total{reason}   counter: encode (relay), decode, apply
//	kafkasync_apply_retries_total                  counter
//	kafkasync_consumer_lag                         gauge: messages of the topic the group has not consumed
//	kafkasync_consumer_partition_lag{partition}    gauge: the same, by partition
//	kafkasync_sync_delay_seconds                   histogram: change time → applied
//
// The outbox backlog and the age of its oldest event are the articles
// package's (articles_outbox_pending_events and friends).
type Metrics struct {
	relayed      prometheus.Counter
	relayErrors  prometheus.Counter
	leader       prometheus.Gauge
	consumed     prometheus.Counter
	applied      *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	retries      prometheus.Counter
	lag          prometheus.Gauge
	partitionLag *prometheus.GaugeVec
	delay        prometheus.Histogram

	lagMu      sync.Mutex
	partitions map[int]bool // those partitionLag has
}

// NewMetrics creates the metrics and registers them with reg (nil: keep them
// unregistered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		relayed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kafkasync_relayed_events_total", Help: "Outbox events published to Kafka and acknowledged.",
		}),
		relayErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kafkasync_relay_errors_total", Help: "Failed attempts to publish a batch of outbox events.",
		}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kafkasync_relay_leader", Help: "1 while this relay holds the publishing lease, else 0.",
		}),
		consumed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kafkasync_consumed_events_total", Help: "Messages fetched from the topic.",
		}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kafkasync_applied_events_total", Help: "Changes given to the target, by result (applied, stale).",
		}, []string{"result"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kafkasync_dead_lettered_events_total", Help: "Messages sent to the dead-letter topic, by reason (encode, decode, apply).",
		}, []string{"reason"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kafkasync_apply_retries_total", Help: "Retries of changes the target could not apply yet.",
		}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kafkasync_consumer_lag",
			Help: "Messages of the topic the consumer group has not consumed, over every partition: high watermark less committed offset (or log start).",
		}),
		partitionLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kafkasync_consumer_partition_lag",
			Help: "Messages of a partition of the topic the consumer group has not consumed.",
		}, []string{"partition"}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kafkasync_sync_delay_seconds",
			Help:    "Time from a change in the source to its application in the target.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
	}
	for _, r := range []string{"applied", "stale"} {
		m.applied.WithLabelValues(r)
	}
	for _, r := range []string{"encode", "decode", "apply"} {
		m.deadLettered.WithLabelValues(r)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.relayed, m.relayErrors, m.leader, m.consumed, m.applied,
			m.deadLettered, m.retries, m.lag, m.partitionLag, m.delay} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// unregistered returns metrics that count but are not exported.
func unregistered() *Metrics {
	m, _ := NewMetrics(nil) // cannot fail without a registry
	return m
}

// setLag records the group's lag by partition: the total, and each
// partition's, forgetting partitions that are gone.
func (m *Metrics) setLag(lag map[int]int64) {
	m.lagMu.Lock()
	defer m.lagMu.Unlock()
	var total int64
	for p, n := range lag {
		total += n
		m.partitionLag.WithLabelValues(strconv.Itoa(p)).Set(float64(n))
	}
	for p := range m.partitions {
		if _, ok := lag[p]; !ok {
			m.partitionLag.DeleteLabelValues(strconv.Itoa(p))
		}
	}
	m.partitions = make(map[int]bool, len(lag))
	for p := range lag {
		m.partitions[p] = true
	}
	m.lag.Set(float64(total))
}

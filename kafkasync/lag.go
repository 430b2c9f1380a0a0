package kafkasync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/articlekit/articlekit/internal/background"
)

// groupLag returns, for every partition of topic, how many of its messages
// group has not consumed: the partition's high watermark less the group's
// committed offset, or less the log start where the group committed none
// (or less than the log start). It asks the brokers, not a reader, so a
// partition nobody consumes — held by a member that is gone, or by none —
// counts as much as one being read.
func groupLag(ctx context.Context, client *kafka.Client, group, topic string) (map[int]int64, error) {
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, err
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		var terr error
		if len(meta.Topics) == 1 {
			terr = meta.Topics[0].Error
		}
		return nil, fmt.Errorf("topic %s: no metadata: %w", topic, errors.Join(terr, kafka.UnknownTopicOrPartition))
	}
	var ids []int
	var ends []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		ids = append(ids, p.ID)
		ends = append(ends, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	offsets, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: ends}})
	if err != nil {
		return nil, err
	}
	committed, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ids}})
	if err == nil {
		err = committed.Error
	}
	switch {
	case errors.Is(err, kafka.GroupIdNotFound):
		// A group that has never committed, on some brokers (kfake).
		committed, err = &kafka.OffsetFetchResponse{}, nil
	case err != nil:
		return nil, err
	}
	done := map[int]int64{}
	for _, p := range committed.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("committed offset of partition %d: %w", p.Partition, p.Error)
		}
		done[p.Partition] = p.CommittedOffset // -1: none
	}
	lag := make(map[int]int64, len(ids))
	for _, p := range offsets.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("offsets of partition %d: %w", p.Partition, p.Error)
		}
		from := p.FirstOffset
		if c, ok := done[p.Partition]; ok && c > from {
			from = c
		}
		lag[p.Partition] = max(0, p.LastOffset-from)
	}
	if len(lag) != len(ids) {
		return nil, fmt.Errorf("offsets of %d of the %d partitions", len(lag), len(ids))
	}
	return lag, nil
}

// lagInterval is how often the consumer measures the group's lag.
const lagInterval = 5 * time.Second

// reportLag measures the group's lag at once and then every lagInterval
// until ctx ends, keeping the lag metrics current. A failed measurement
// leaves the last values; it is logged once until one succeeds again.
func (c *Consumer) reportLag(ctx context.Context) {
	transport := &kafka.Transport{}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Timeout: lagInterval, Transport: transport}
	failing := false
	for {
		measure, cancel := context.WithTimeout(ctx, lagInterval)
		lag, err := groupLag(measure, client, c.cfg.GroupID, c.cfg.Topic)
		cancel()
		switch {
		case err == nil:
			failing = false
			c.metrics.setLag(lag)
		case !failing && ctx.Err() == nil:
			failing = true
			c.log.Warn("measuring the group's lag failed", zap.Error(err))
		}
		if !background.Sleep(ctx, lagInterval, nil) {
			return
		}
	}
}

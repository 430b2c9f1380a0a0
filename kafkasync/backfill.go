package kafkasync

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"

	"github.com/articlekit/articlekit/articles"
)

// SnapshotSource lists articles' current states; *articles.Service is one.
type SnapshotSource interface {
	Snapshot(ctx context.Context, afterID int64, limit int) ([]articles.Change, error)
}

// Backfill publishes the current state of every article in src, tombstones
// included, as events on cfg.Topic, so that a new target catches up; a
// target that already has a version skips it as stale. It returns how many
// events it published.
func Backfill(ctx context.Context, src SnapshotSource, w MessageWriter, cfg Config) (int, error) {
	cfg = cfg.WithDefaults()
	var after int64
	total := 0
	for {
		changes, err := src.Snapshot(ctx, after, cfg.RelayBatch)
		if err != nil {
			return total, err
		}
		if len(changes) == 0 {
			return total, nil
		}
		msgs := make([]kafka.Message, len(changes))
		for i, ch := range changes {
			ev, err := snapshotEvent(ch)
			if err != nil {
				return total, err
			}
			if msgs[i], err = Encode(cfg.Source, ev); err != nil {
				return total, err
			}
			msgs[i].Topic = cfg.Topic
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return total, fmt.Errorf("kafkasync: backfill: %w", err)
		}
		total += len(msgs)
		after = changes[len(changes)-1].Article.ID
	}
}

func snapshotEvent(ch articles.Change) (articles.Event, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return articles.Event{}, err
	}
	payload, err := jsonOf(ch.Article)
	if err != nil {
		return articles.Event{}, err
	}
	return articles.Event{ID: id.String(), ArticleID: ch.Article.ID, Version: ch.Article.Version,
		Type: ch.Type, Payload: payload, CreatedAt: ch.Article.UpdatedAt}, nil
}

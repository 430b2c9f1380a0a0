package articles

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/articlekit/articlekit/articles/sqldb"
)

// Outbox is the transactional outbox: every create, update and delete
// writes an Event in the same transaction as the change, so an event exists
// exactly when its change committed. A relay reads pending events in Seq
// order, publishes them and marks them published; Prune removes published
// events after a retention period.
type Outbox struct {
	db *sqldb.DB
}

type eventRow struct {
	bun.BaseModel `bun:"table:article_outbox,alias:o"`

	Seq         int64        `bun:"seq,pk,autoincrement"`
	EventID     string       `bun:"event_id"`
	ArticleID   int64        `bun:"article_id"`
	Type        string       `bun:"type"`
	Version     int64        `bun:"version"`
	Payload     string       `bun:"payload"`
	CreatedAt   time.Time    `bun:"created_at"`
	PublishedAt bun.NullTime `bun:"published_at"`
}

func (r *eventRow) event() Event {
	return Event{
		Seq:       r.Seq,
		ID:        r.EventID,
		ArticleID: r.ArticleID,
		Version:   r.Version,
		Type:      ChangeType(r.Type),
		Payload:   []byte(r.Payload),
		CreatedAt: r.CreatedAt.UTC(),
	}
}

// Pending returns up to limit unpublished events in Seq order. There is no
// "after" cursor on purpose: on PostgreSQL and MySQL a smaller Seq can
// commit after a larger one, and a cursor would skip it for good.
func (o *Outbox) Pending(ctx context.Context, limit int) ([]Event, error) {
	var rows []eventRow
	err := o.db.Read.NewSelect().Model(&rows).
		Where("o.published_at IS NULL").
		OrderExpr("o.seq ASC").
		Limit(int64(limit)).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("articles: outbox pending: %w", err)
	}
	events := make([]Event, len(rows))
	for i := range rows {
		events[i] = rows[i].event()
	}
	return events, nil
}

// MarkPublished records that the events with these sequence numbers were
// published at t. Marking an event twice keeps the first time.
func (o *Outbox) MarkPublished(ctx context.Context, t time.Time, seqs ...int64) error {
	if len(seqs) == 0 {
		return nil
	}
	_, err := o.db.Write.NewUpdate().Model((*eventRow)(nil)).
		Set("published_at = ?", t.UTC().Truncate(time.Microsecond)).
		Where("seq IN (?)", bun.List(seqs)).
		Where("published_at IS NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("articles: outbox mark published: %w", err)
	}
	return nil
}

// Prune deletes the events published before cutoff and returns how many it
// deleted. Unpublished events are never pruned.
func (o *Outbox) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := o.db.Write.NewDelete().Model((*eventRow)(nil)).
		Where("published_at IS NOT NULL").
		Where("published_at < ?", cutoff.UTC()).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("articles: outbox prune: %w", err)
	}
	return res.RowsAffected()
}

// OutboxStats describes the unpublished part of the outbox.
type OutboxStats struct {
	// Pending counts unpublished events.
	Pending int64
	// OldestPending is when the oldest unpublished event was written; zero
	// when none is pending.
	OldestPending time.Time
}

// Stats counts the unpublished events.
func (o *Outbox) Stats(ctx context.Context) (OutboxStats, error) {
	var stats struct {
		Pending int64        `bun:"pending"`
		Oldest  bun.NullTime `bun:"oldest"`
	}
	err := o.db.Read.NewSelect().Model((*eventRow)(nil)).
		ColumnExpr("COUNT(*) AS pending").
		ColumnExpr("MIN(o.created_at) AS oldest").
		Where("o.published_at IS NULL").
		Scan(ctx, &stats)
	if err != nil {
		return OutboxStats{}, fmt.Errorf("articles: outbox stats: %w", err)
	}
	return OutboxStats{Pending: stats.Pending, OldestPending: stats.Oldest.Time.UTC()}, nil
}

type leaseRow struct {
	bun.BaseModel `bun:"table:outbox_leases,alias:l"`

	Name      string    `bun:"name,pk"`
	Holder    string    `bun:"holder"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// TryLease takes or renews the lease called name for holder until ttl from
// now, and reports whether holder has it: it does when nobody held it, its
// holder let it expire, or holder already held it. Relays hold a lease so
// that, of several instances, one publishes at a time, in order.
func (o *Outbox) TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	_, err := o.db.Write.NewInsert().Model(&leaseRow{Name: name, Holder: "", ExpiresAt: time.Unix(0, 0).UTC()}).
		Ignore().Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("articles: lease %s: %w", name, err)
	}
	res, err := o.db.Write.NewUpdate().Model((*leaseRow)(nil)).
		Set("holder = ?", holder).
		Set("expires_at = ?", now.Add(ttl)).
		Where("name = ?", name).
		Where("(holder = ? OR expires_at < ?)", holder, now).
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("articles: lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseLease gives the lease up if holder has it, so that another
// instance can take it at once.
func (o *Outbox) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := o.db.Write.NewUpdate().Model((*leaseRow)(nil)).
		Set("expires_at = ?", time.Unix(0, 0).UTC()).
		Where("name = ?", name).
		Where("holder = ?", holder).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("articles: release lease %s: %w", name, err)
	}
	return nil
}

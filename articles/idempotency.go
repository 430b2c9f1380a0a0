package articles

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ErrKeyReused reports an idempotency key sent again with another request
// than the one it first came with: the first is not replayed for it.
var ErrKeyReused = errors.New("idempotency key reused for another request")

// MaxKeyLen bounds idempotency keys, in bytes.
const MaxKeyLen = 255

// keyRow is a create done under an idempotency key: the key, the
// fingerprint of the draft it came with, and the article as created.
type keyRow struct {
	bun.BaseModel `bun:"table:idempotency_keys,alias:k"`

	Key         string    `bun:"request_key,pk"`
	Fingerprint string    `bun:"fingerprint"`
	ArticleID   int64     `bun:"article_id"`
	Response    string    `bun:"response"`
	CreatedAt   time.Time `bun:"created_at"`
}

// CreateOnce creates an article as Create does, once per key: sent again
// with the same key and the same draft — a client retrying a request whose
// answer it did not get — it creates nothing and returns the article as it
// was created, with replayed true. The same key with another draft is
// ErrKeyReused. The key is stored with the article, in the same
// transaction, and forgotten after Config.IdempotencyKeyTTL. Concurrent
// requests with one key create one article: the others wait for it, then
// replay it.
func (s *Service) CreateOnce(ctx context.Context, key string, d Draft) (a Article, replayed bool, err error) {
	if err := validateKey(key); err != nil {
		return Article{}, false, err
	}
	if err := Validate(d); err != nil {
		return Article{}, false, err
	}
	a, replayed, err = s.store.createOnce(ctx, key, fingerprint(d), d, s.clock())
	if err != nil {
		return Article{}, false, err
	}
	if !replayed {
		s.committed(Change{Type: Created, Article: a})
	}
	return a, replayed, nil
}

func validateKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return &ValidationError{Fields: []FieldError{{Field: "idempotency_key", Code: "out_of_range",
			Message: fmt.Sprintf("must be 1 to %d bytes", MaxKeyLen)}}}
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c > 0x7e {
			return &ValidationError{Fields: []FieldError{{Field: "idempotency_key", Code: "invalid",
				Message: "must be printable ASCII"}}}
		}
	}
	return nil
}

// fingerprint identifies a draft: its fields as the API reads them, so
// that the same article sent with other spacing or key order is the same
// request.
func fingerprint(d Draft) string {
	if d.Tags == nil {
		d.Tags = []string{}
	}
	b, _ := json.Marshal(d) // a Draft always encodes
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (s *Store) createOnce(ctx context.Context, key, print string, d Draft, now time.Time) (a Article, replayed bool, err error) {
	err = s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row keyRow
		err := tx.NewSelect().Model(&row).Where("k.request_key = ?", key).Scan(ctx)
		switch {
		case err == nil && row.CreatedAt.After(now.Add(-s.keyTTL)):
			if row.Fingerprint != print {
				return ErrKeyReused
			}
			replayed = true
			return json.Unmarshal([]byte(row.Response), &a)
		case err == nil:
			// Expired but not pruned yet: the key is free again.
			if _, err := tx.NewDelete().Model((*keyRow)(nil)).Where("request_key = ?", key).Exec(ctx); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		replayed = false
		if a, err = s.createIn(ctx, tx, d, now); err != nil {
			return err
		}
		response, err := json.Marshal(a)
		if err != nil {
			return err
		}
		// A concurrent request with the key that committed first makes this
		// insert a unique violation: the write is tried again, and replays.
		_, err = tx.NewInsert().Model(&keyRow{Key: key, Fingerprint: print, ArticleID: a.ID,
			Response: string(response), CreatedAt: now}).Exec(ctx)
		return err
	})
	if errors.Is(err, ErrKeyReused) {
		return Article{}, false, err
	}
	if err != nil {
		return Article{}, false, s.dbError("create", err)
	}
	return normalized(a), replayed, nil
}

// PruneKeys deletes the idempotency keys older than cutoff and returns how
// many it deleted.
func (s *Store) PruneKeys(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.Write.NewDelete().Model((*keyRow)(nil)).Where("created_at < ?", cutoff.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("articles: prune idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

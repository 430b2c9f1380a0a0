-- POST /articles with an Idempotency-Key: the key, a fingerprint of the
-- request, and the article as created, written in the create's own
-- transaction, so that a retried request replays the answer instead of
-- creating again.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    request_key TEXT      PRIMARY KEY,
    fingerprint TEXT      NOT NULL,
    article_id  INTEGER   NOT NULL,
    response    TEXT      NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS idempotency_keys_created_idx ON idempotency_keys (created_at);

-- POST /articles with an Idempotency-Key: the key, a fingerprint of the
-- request, and the article as created, written in the create's own
-- transaction, so that a retried request replays the answer instead of
-- creating again. Keys compare byte for byte (VARBINARY).
CREATE TABLE IF NOT EXISTS idempotency_keys (
    request_key VARBINARY(255) NOT NULL PRIMARY KEY,
    fingerprint VARBINARY(64)  NOT NULL,
    article_id  BIGINT         NOT NULL,
    response    MEDIUMTEXT     NOT NULL,
    created_at  DATETIME(6)    NOT NULL,
    INDEX idempotency_keys_created_idx (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

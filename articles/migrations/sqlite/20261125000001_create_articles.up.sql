CREATE TABLE IF NOT EXISTS articles (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    title      TEXT      NOT NULL,
    content    TEXT      NOT NULL DEFAULT '',
    author     TEXT      NOT NULL DEFAULT '',
    tags       TEXT      NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    version    INTEGER   NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS articles_author_idx ON articles (author, id) WHERE deleted_at IS NULL;
--bun:split
CREATE TABLE IF NOT EXISTS article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag        TEXT    NOT NULL,
    PRIMARY KEY (article_id, tag)
) WITHOUT ROWID;
--bun:split
CREATE INDEX IF NOT EXISTS article_tags_tag_idx ON article_tags (tag, article_id);
--bun:split
CREATE TABLE IF NOT EXISTS article_outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT      NOT NULL UNIQUE,
    article_id   INTEGER   NOT NULL,
    type         TEXT      NOT NULL,
    version      INTEGER   NOT NULL,
    payload      TEXT      NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);
--bun:split
CREATE INDEX IF NOT EXISTS article_outbox_pending_idx ON article_outbox (seq) WHERE published_at IS NULL;
--bun:split
CREATE INDEX IF NOT EXISTS article_outbox_published_idx ON article_outbox (published_at) WHERE published_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS articles (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    title      TEXT         NOT NULL,
    content    MEDIUMTEXT   NOT NULL,
    author     VARCHAR(100) NOT NULL DEFAULT '',
    tags       TEXT         NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    updated_at DATETIME(6)  NOT NULL,
    deleted_at DATETIME(6)  NULL,
    version    BIGINT       NOT NULL,
    INDEX articles_author_idx (author, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
--bun:split
CREATE TABLE IF NOT EXISTS article_tags (
    article_id BIGINT      NOT NULL,
    tag        VARCHAR(32) NOT NULL,
    PRIMARY KEY (article_id, tag),
    INDEX article_tags_tag_idx (tag, article_id),
    CONSTRAINT article_tags_article_fk FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
--bun:split
CREATE TABLE IF NOT EXISTS article_outbox (
    seq          BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id     CHAR(36)    NOT NULL,
    article_id   BIGINT      NOT NULL,
    type         VARCHAR(16) NOT NULL,
    version      BIGINT      NOT NULL,
    payload      LONGTEXT    NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    published_at DATETIME(6) NULL,
    UNIQUE INDEX article_outbox_event_id_idx (event_id),
    INDEX article_outbox_published_idx (published_at, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

DROP TABLE IF EXISTS article_outbox;
--bun:split
DROP TABLE IF EXISTS article_tags;
--bun:split
DROP TABLE IF EXISTS articles;

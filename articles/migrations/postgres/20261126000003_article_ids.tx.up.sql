-- New articles take their ids from this sequence, not from the articles
-- table's identity, which explicit ids (PUT, replication) had to move: one
-- PUT of a huge id must not use up the ids of every later create.
CREATE SEQUENCE IF NOT EXISTS article_ids MAXVALUE 9007199254740991;
--bun:split
SELECT setval('article_ids', (SELECT COALESCE(MAX(id), 0) + 1 FROM articles WHERE id <= 9007199254740991), false);

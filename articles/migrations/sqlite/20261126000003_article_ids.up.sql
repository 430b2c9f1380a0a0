-- New articles take their ids from this allocator, not from the articles
-- table's own counter, which explicit ids (PUT, replication) would move:
-- one PUT of a huge id must not use up the ids of every later create.
CREATE TABLE IF NOT EXISTS article_ids (
    id INTEGER PRIMARY KEY AUTOINCREMENT
);
--bun:split
INSERT INTO article_ids (id)
SELECT COALESCE(MAX(id), 0) FROM articles WHERE id <= 9007199254740991;

-- utf8mb4_bin is a PAD SPACE collation: it compares "go" and "go " as equal,
-- so two tags differing only in trailing spaces collided on the primary key
-- and author filters matched more than they should. Binary columns compare
-- bytes, as SQLite and PostgreSQL compare text.
ALTER TABLE article_tags MODIFY tag VARBINARY(128) NOT NULL;
--bun:split
ALTER TABLE articles MODIFY author VARBINARY(400) NOT NULL DEFAULT '';

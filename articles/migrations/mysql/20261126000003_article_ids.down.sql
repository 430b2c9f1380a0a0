DROP TABLE IF EXISTS article_ids;

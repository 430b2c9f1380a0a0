CREATE TABLE IF NOT EXISTS outbox_leases (
    name       TEXT      PRIMARY KEY,
    holder     TEXT      NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

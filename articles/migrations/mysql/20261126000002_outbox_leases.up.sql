CREATE TABLE IF NOT EXISTS outbox_leases (
    name       VARBINARY(200) NOT NULL PRIMARY KEY,
    holder     VARBINARY(400) NOT NULL,
    expires_at DATETIME(6)    NOT NULL
) ENGINE = InnoDB;

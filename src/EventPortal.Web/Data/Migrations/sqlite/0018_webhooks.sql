-- Webhooks (Webhooks/): URLs an owner registers for registration events, for every event of the
-- install (event_id NULL) or one event. event_types: a comma-separated subset of
-- registration.created, .confirmed, .cancelled, .attended. secret: the signing secret sealed with
-- the app's Data Protection keys (it must be usable for signing, so it cannot be hashed).
-- include_personal: bodies carry the registrant's name and e-mail. Numbered 0018 while 0017 is
-- another change in flight: the migrator applies any version its journal lacks, in order.
CREATE TABLE webhooks (
    id               INTEGER PRIMARY KEY,
    url              TEXT NOT NULL,
    event_id         INTEGER REFERENCES events(id) ON DELETE CASCADE,
    event_types      TEXT NOT NULL,
    include_personal INTEGER NOT NULL DEFAULT 0,
    secret           TEXT NOT NULL,
    enabled          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL
);
-- One row per delivery (an outbox row of kind webhook.*), written with it: which hook it is for,
-- and what the receiver last answered (status, a clipped excerpt of the body), for the console.
CREATE TABLE webhook_deliveries (
    outbox_id    INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
    webhook_id   INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    http_status  INTEGER,
    response     TEXT,
    attempted_at TEXT
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, outbox_id);

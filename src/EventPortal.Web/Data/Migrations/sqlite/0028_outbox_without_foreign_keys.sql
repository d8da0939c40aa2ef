-- The outbox without foreign keys, as on PostgreSQL since migrations 0025 and 0027 (issue 15; bench/README.md,
-- "The outbox and the registrations without foreign keys on SQLite"). Every registration writes one outbox row (its first mail); on SQLite
-- each such row looked up its event and its registration for the keys' checks, and kept an entry in the index by
-- registration that only the check of a deleted registration needed. What the keys guarded:
-- - events are never deleted, so no row names an event that is gone;
-- - the only registrations deleted are a new one that found no seat, in the transaction that wrote it and before any
--   of its mail (Registrations/Registrar.cs); erasure keeps the row and clears it (Registrations/Erasure.cs).
-- The index by registration now leaves out each registration's first mail, as PostgreSQL's does (its migration 0026;
-- Outbox/OutboxRows.cs, NotFirstMail): what reads the outbox by registration repeats that condition, or reads through
-- the index by status.
--
-- SQLite cannot drop a foreign key, so the table is rebuilt (sqlite.org/lang_altertable.html, "other kinds of table
-- schema changes"), its ids kept. Foreign keys are on (they cannot be switched off inside the migration's
-- transaction), so dropping the old table cascades to the webhook deliveries, which name an outbox row: they are kept
-- aside and put back once the new table has the same ids.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    event_id        INTEGER,
    registration_id INTEGER,
    payload         TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL DEFAULT 'queued',
    due_at          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    claimed_at      TEXT,
    claimed_by      TEXT
);
INSERT INTO outbox_new (id, kind, dedupe_key, event_id, registration_id, payload, status, due_at, attempts, last_error,
    created_at, sent_at, claimed_at, claimed_by)
SELECT id, kind, dedupe_key, event_id, registration_id, payload, status, due_at, attempts, last_error,
    created_at, sent_at, claimed_at, claimed_by
FROM outbox;
CREATE TEMP TABLE webhook_deliveries_kept AS SELECT * FROM webhook_deliveries;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
INSERT INTO webhook_deliveries SELECT * FROM webhook_deliveries_kept;
DROP TABLE webhook_deliveries_kept;
CREATE INDEX outbox_due ON outbox (status, due_at);
CREATE INDEX outbox_registration ON outbox (registration_id, status)
    WHERE kind NOT IN ('mail.registration_confirmed', 'mail.address_confirmation');
CREATE INDEX outbox_claimed ON outbox (claimed_at) WHERE status = 'in_flight';
CREATE INDEX outbox_event ON outbox (event_id, status)
    WHERE kind NOT IN ('mail.registration_confirmed', 'mail.address_confirmation');

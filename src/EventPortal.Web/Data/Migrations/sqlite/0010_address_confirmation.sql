-- Address confirmation (double opt-in; Registrations/Seats.cs, Registrations/Holds.cs).
-- 'pending': a seat held until hold_until for someone who has not yet used the link mailed to them.
-- address_confirmed_at: when the address was proven (NULL: not yet); registrations from before
-- this migration count as confirmed. client_network: the IPv4 address or IPv6 /64 that
-- registered, for the cap on pending holds per network and event (kept only while pending).
-- confirm_address: per ticket; on for tickets with a capacity, as for new ones.
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt (sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"). With foreign keys on (they cannot be switched off inside the
-- migration's transaction), dropping the old table cascades to the outbox rows that name a
-- registration: they are kept aside and put back once the new table has the same ids.
CREATE TABLE registrations_new (
    id                INTEGER PRIMARY KEY,
    event_id          INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    ticket_type_id    INTEGER NOT NULL REFERENCES ticket_types(id),
    status            TEXT NOT NULL CHECK (status IN ('pending','confirmed','waitlisted','cancelled')),
    family_name       TEXT NOT NULL,
    given_name        TEXT NOT NULL,
    reading           TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL,
    email_normalized  TEXT NOT NULL,
    organization      TEXT NOT NULL DEFAULT '',
    category_code     TEXT,
    accessibility     TEXT NOT NULL DEFAULT '',
    questions         TEXT NOT NULL DEFAULT '',
    answers           TEXT NOT NULL DEFAULT '{}',
    language          TEXT NOT NULL DEFAULT 'ja',
    token_seed        TEXT NOT NULL,
    manage_token_hash TEXT NOT NULL UNIQUE,
    consent_at        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    promoted_at       TEXT,
    cancelled_at      TEXT,
    attended          INTEGER,
    join_token_hash   TEXT,
    watch_token_hash  TEXT,
    invite_revision   INTEGER NOT NULL DEFAULT 0,
    provider_join_url TEXT,
    provider_registrant_id TEXT,
    address_confirmed_at TEXT,
    hold_until        TEXT,
    client_network    TEXT
);
INSERT INTO registrations_new (id, event_id, ticket_type_id, status, family_name, given_name, reading, email, email_normalized,
    organization, category_code, accessibility, questions, answers, language, token_seed, manage_token_hash, consent_at,
    created_at, updated_at, promoted_at, cancelled_at, attended, join_token_hash, watch_token_hash, invite_revision,
    provider_join_url, provider_registrant_id, address_confirmed_at)
SELECT id, event_id, ticket_type_id, status, family_name, given_name, reading, email, email_normalized,
    organization, category_code, accessibility, questions, answers, language, token_seed, manage_token_hash, consent_at,
    created_at, updated_at, promoted_at, cancelled_at, attended, join_token_hash, watch_token_hash, invite_revision,
    provider_join_url, provider_registrant_id, created_at
FROM registrations;
CREATE TEMP TABLE outbox_kept AS SELECT * FROM outbox WHERE registration_id IS NOT NULL;
DROP TABLE registrations;
ALTER TABLE registrations_new RENAME TO registrations;
INSERT INTO outbox SELECT * FROM outbox_kept;
DROP TABLE outbox_kept;
CREATE UNIQUE INDEX registrations_one_active ON registrations (event_id, email_normalized) WHERE status <> 'cancelled';
CREATE INDEX registrations_waitlist ON registrations (ticket_type_id, status, created_at, id);
CREATE UNIQUE INDEX registrations_join_token ON registrations (join_token_hash);
CREATE UNIQUE INDEX registrations_watch_token ON registrations (watch_token_hash);
-- The sweep of lapsed holds, and the count of a network's holds for an event.
CREATE INDEX registrations_holds ON registrations (hold_until) WHERE status = 'pending';
CREATE INDEX registrations_network_holds ON registrations (event_id, client_network) WHERE status = 'pending';

ALTER TABLE ticket_types ADD COLUMN confirm_address INTEGER NOT NULL DEFAULT 0;
UPDATE ticket_types SET confirm_address = 1 WHERE capacity IS NOT NULL;

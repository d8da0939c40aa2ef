-- Registrations as PostgreSQL has them since migrations 0025 and 0027 (issue 15; bench/README.md, "The outbox and the
-- registrations without foreign keys on SQLite"): no foreign keys to the event and the ticket, whose checks looked
-- both up for every registration written; and manage_token_hash, the hash of a personal link from before migration
-- 0022, no longer NOT NULL UNIQUE, which made every new registration write its seed there and into that index. Its
-- index holds only the hashes that are there (old links still open through it; Registrations/Tokens.cs).
-- What the keys guarded is guarded in the code, as on PostgreSQL: events are never deleted; a registration is written
-- only for a ticket of its event (Registrations/Registrar.cs), and a ticket is removed only while no registration names
-- it (Events/EventChanges.cs; SQLite's one writer makes that count exact).
--
-- SQLite cannot drop a foreign key or a UNIQUE column constraint, so the table is rebuilt
-- (sqlite.org/lang_altertable.html, "other kinds of table schema changes"), its ids kept. Foreign keys are on (they
-- cannot be switched off inside the migration's transaction), so dropping the old table sets the registration of
-- every seat and survey response to NULL: both are kept aside and put back once the new table has the same ids.
CREATE TABLE registrations_new (
    id                INTEGER PRIMARY KEY,
    event_id          INTEGER NOT NULL,
    ticket_type_id    INTEGER NOT NULL,
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
    manage_token_hash TEXT,
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
    client_network    TEXT,
    attended_source   TEXT,
    attended_at       TEXT,
    attended_minutes  INTEGER,
    joined_at         TEXT,
    channel           TEXT NOT NULL DEFAULT 'web'
        CHECK (channel IN ('web', 'api', 'phone', 'fax', 'counter', 'other', 'import')),
    entered_by        TEXT,
    entry_key         TEXT
);
-- The seed was kept in the legacy column by every registration since migration 0022: only a hash is a hash.
INSERT INTO registrations_new (id, event_id, ticket_type_id, status, family_name, given_name, reading, email,
    email_normalized, organization, category_code, accessibility, questions, answers, language, token_seed,
    manage_token_hash, consent_at, created_at, updated_at, promoted_at, cancelled_at, attended, join_token_hash,
    watch_token_hash, invite_revision, provider_join_url, provider_registrant_id, address_confirmed_at, hold_until,
    client_network, attended_source, attended_at, attended_minutes, joined_at, channel, entered_by, entry_key)
SELECT id, event_id, ticket_type_id, status, family_name, given_name, reading, email,
    email_normalized, organization, category_code, accessibility, questions, answers, language, token_seed,
    NULLIF(manage_token_hash, token_seed), consent_at, created_at, updated_at, promoted_at, cancelled_at, attended,
    join_token_hash, watch_token_hash, invite_revision, provider_join_url, provider_registrant_id, address_confirmed_at,
    hold_until, client_network, attended_source, attended_at, attended_minutes, joined_at, channel, entered_by, entry_key
FROM registrations;
CREATE TEMP TABLE seats_kept AS SELECT ticket_type_id, seat_no, registration_id FROM seats WHERE registration_id IS NOT NULL;
CREATE TEMP TABLE survey_responses_kept AS SELECT id, registration_id FROM survey_responses WHERE registration_id IS NOT NULL;
DROP TABLE registrations;
ALTER TABLE registrations_new RENAME TO registrations;
UPDATE seats SET registration_id = k.registration_id
FROM seats_kept k WHERE seats.ticket_type_id = k.ticket_type_id AND seats.seat_no = k.seat_no;
UPDATE survey_responses SET registration_id = k.registration_id FROM survey_responses_kept k WHERE survey_responses.id = k.id;
DROP TABLE seats_kept;
DROP TABLE survey_responses_kept;
CREATE UNIQUE INDEX registrations_one_active ON registrations (event_id, email_normalized)
    WHERE status <> 'cancelled' AND email_normalized <> '';
CREATE INDEX registrations_waitlist ON registrations (ticket_type_id, status, created_at, id);
CREATE INDEX registrations_holds ON registrations (hold_until) WHERE status = 'pending';
CREATE INDEX registrations_network_holds ON registrations (event_id, client_network) WHERE status = 'pending';
CREATE UNIQUE INDEX registrations_entry_key ON registrations (event_id, entry_key) WHERE entry_key IS NOT NULL;
CREATE UNIQUE INDEX registrations_manage_token ON registrations (manage_token_hash) WHERE manage_token_hash IS NOT NULL;
CREATE UNIQUE INDEX registrations_join_token ON registrations (join_token_hash) WHERE join_token_hash IS NOT NULL;
CREATE UNIQUE INDEX registrations_watch_token ON registrations (watch_token_hash) WHERE watch_token_hash IS NOT NULL;

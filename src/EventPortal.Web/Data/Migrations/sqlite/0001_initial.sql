-- Events, ticket types, registrations and the outbox, SQLite dialect.
-- Times are UTC, stored as ISO-8601 text by Microsoft.Data.Sqlite.

CREATE TABLE app_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE events (
    id                 INTEGER PRIMARY KEY,
    slug               TEXT NOT NULL UNIQUE,
    title              TEXT NOT NULL,
    summary            TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    starts_at          TEXT NOT NULL,
    ends_at            TEXT NOT NULL,
    time_zone          TEXT NOT NULL DEFAULT 'Asia/Tokyo',
    doors_open_minutes INTEGER NOT NULL DEFAULT 0,
    language           TEXT NOT NULL DEFAULT 'ja',
    status             TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','published','cancelled','completed')),
    venue              TEXT NOT NULL DEFAULT '',
    organizer_name     TEXT NOT NULL DEFAULT '',
    organizer_email    TEXT NOT NULL DEFAULT '',
    contact            TEXT NOT NULL DEFAULT '',
    programme          TEXT NOT NULL DEFAULT '[]',
    speakers           TEXT NOT NULL DEFAULT '[]',
    consent_purpose    TEXT NOT NULL DEFAULT '',
    meeting_provider   TEXT NOT NULL DEFAULT 'Manual',
    meeting_url        TEXT,
    meeting_external_id TEXT,
    recording_url      TEXT,
    recording_available_until TEXT,
    sequence           INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

CREATE TABLE event_categories (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    code     TEXT NOT NULL,
    name_ja  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, code)
);

CREATE TABLE ticket_types (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    name_ja     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    capacity    INTEGER CHECK (capacity IS NULL OR capacity >= 0),
    taken       INTEGER NOT NULL DEFAULT 0 CHECK (taken >= 0),
    waitlist    INTEGER NOT NULL DEFAULT 0,
    sales_start TEXT,
    sales_end   TEXT,
    position    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, code)
);

CREATE TABLE registrations (
    id                INTEGER PRIMARY KEY,
    event_id          INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    ticket_type_id    INTEGER NOT NULL REFERENCES ticket_types(id),
    status            TEXT NOT NULL CHECK (status IN ('confirmed','waitlisted','cancelled')),
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
    attended          INTEGER
);

-- One active registration per event and normalised e-mail.
CREATE UNIQUE INDEX registrations_one_active ON registrations (event_id, email_normalized) WHERE status <> 'cancelled';
-- The promotion query: oldest waitlisted registration of a ticket type.
CREATE INDEX registrations_waitlist ON registrations (ticket_type_id, status, created_at, id);

-- Every mail and external call that must happen, written in the transaction that causes it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    event_id        INTEGER REFERENCES events(id) ON DELETE CASCADE,
    registration_id INTEGER REFERENCES registrations(id) ON DELETE CASCADE,
    payload         TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL DEFAULT 'queued',
    due_at          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, due_at);

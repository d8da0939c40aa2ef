-- The post-event survey (Surveys/): one per event, built by the organiser, answered once per
-- registration from the personal link /s/{token}, editable until it closes. status: draft (not
-- shown), open, closed. anonymous: every export and the results leave names out.
CREATE TABLE surveys (
    event_id   INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    status     TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','open','closed')),
    anonymous  INTEGER NOT NULL DEFAULT 0,
    intro_ja   TEXT NOT NULL DEFAULT '',
    intro_en   TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
-- kind: single (one option), multiple (any options), scale (1-5), text. options: JSON [{"ja","en"}].
CREATE TABLE survey_questions (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('single','multiple','scale','text')),
    required  INTEGER NOT NULL DEFAULT 0,
    label_ja  TEXT NOT NULL,
    label_en  TEXT NOT NULL DEFAULT '',
    options   TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX survey_questions_event ON survey_questions (event_id, position);
-- One response per registration. answers: JSON {"<question id>": option index | [indices] | 1-5 | "text"}.
-- The category is copied so results per category survive the registration's erasure, which
-- unlinks the response and drops its free text (Registrations/Erasure.cs).
CREATE TABLE survey_responses (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    registration_id INTEGER UNIQUE REFERENCES registrations(id) ON DELETE SET NULL,
    category_code   TEXT,
    answers         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX survey_responses_event ON survey_responses (event_id);

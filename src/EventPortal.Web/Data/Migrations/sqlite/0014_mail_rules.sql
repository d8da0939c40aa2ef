-- Mail rules (Reminders/ReminderRules.cs): the reminders become rules the organiser writes. A rule
-- is due at an offset from the start or the end (anchor), goes to a ticket kind or one ticket (audience),
-- confirmed or waitlisted registrations (status), a
-- category (NULL: any) and an attendance (any, attended, absent, unknown, not_attended: absent or
-- unknown), and says its own subject
-- and body per language ('' keeps the built-in reminder text). late: also sent, at once, to those
-- who register after it was due. Two rules may now share an offset, so the table is rebuilt
-- without its UNIQUE constraint; ids are kept, because the outbox's dedupe keys name them, and
-- never reused (AUTOINCREMENT): a new rule with a deleted one's id would find its keys taken.
CREATE TABLE mail_rules_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    offset_minutes INTEGER NOT NULL,
    -- live, recording, all (ticket kinds) or t:{code} (one ticket), checked by the app against the event's tickets.
    audience       TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed','waitlisted')),
    anchor         TEXT NOT NULL DEFAULT 'start' CHECK (anchor IN ('start','end')),
    category_code  TEXT,
    attendance     TEXT NOT NULL DEFAULT 'any' CHECK (attendance IN ('any','attended','absent','unknown','not_attended')),
    late           INTEGER NOT NULL DEFAULT 0,
    subject_ja     TEXT NOT NULL DEFAULT '',
    body_ja        TEXT NOT NULL DEFAULT '',
    subject_en     TEXT NOT NULL DEFAULT '',
    body_en        TEXT NOT NULL DEFAULT ''
);
INSERT INTO mail_rules_new (id, event_id, offset_minutes, audience) SELECT id, event_id, offset_minutes, audience FROM reminder_rules;
DROP TABLE reminder_rules;
ALTER TABLE mail_rules_new RENAME TO reminder_rules;
CREATE INDEX reminder_rules_event ON reminder_rules (event_id);

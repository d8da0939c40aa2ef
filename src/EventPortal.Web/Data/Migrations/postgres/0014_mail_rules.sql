-- Mail rules (Reminders/ReminderRules.cs): the reminders become rules the organiser writes. A rule
-- is due at an offset from the start or the end (anchor), goes to a ticket kind or one ticket (audience),
-- confirmed or waitlisted registrations (status), a
-- category (NULL: any) and an attendance (any, attended, absent, unknown, not_attended: absent or
-- unknown), and says its own subject
-- and body per language ('' keeps the built-in reminder text). late: also sent, at once, to those
-- who register after it was due. Two rules may now share an offset: the UNIQUE constraint goes.
ALTER TABLE reminder_rules DROP CONSTRAINT reminder_rules_event_id_offset_minutes_audience_key;
-- live, recording, all (ticket kinds) or t:{code} (one ticket), checked by the app against the event's tickets.
ALTER TABLE reminder_rules DROP CONSTRAINT reminder_rules_audience_check;
ALTER TABLE reminder_rules
    ADD COLUMN anchor        TEXT NOT NULL DEFAULT 'start' CHECK (anchor IN ('start','end')),
    ADD COLUMN status        TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed','waitlisted')),
    ADD COLUMN category_code TEXT,
    ADD COLUMN attendance    TEXT NOT NULL DEFAULT 'any' CHECK (attendance IN ('any','attended','absent','unknown','not_attended')),
    ADD COLUMN late          BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN subject_ja    TEXT NOT NULL DEFAULT '',
    ADD COLUMN body_ja       TEXT NOT NULL DEFAULT '',
    ADD COLUMN subject_en    TEXT NOT NULL DEFAULT '',
    ADD COLUMN body_en       TEXT NOT NULL DEFAULT '';
CREATE INDEX reminder_rules_event ON reminder_rules (event_id);

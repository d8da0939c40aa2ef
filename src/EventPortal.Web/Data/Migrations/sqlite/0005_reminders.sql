-- Reminder rules per event: an offset from the start (negative = before) and who gets it.
CREATE TABLE reminder_rules (
    id             INTEGER PRIMARY KEY,
    event_id       INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    offset_minutes INTEGER NOT NULL,
    audience       TEXT NOT NULL CHECK (audience IN ('live','recording','all')),
    UNIQUE (event_id, offset_minutes, audience)
);

-- Who is mailed when the recording is set: recording tickets only; those plus live
-- registrants who did not attend; or every confirmed registrant.
ALTER TABLE events ADD COLUMN recording_audience TEXT NOT NULL DEFAULT 'recording'
    CHECK (recording_audience IN ('recording','recording_and_absent','all'));

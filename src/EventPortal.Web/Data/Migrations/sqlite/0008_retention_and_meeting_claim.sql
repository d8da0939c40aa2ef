-- Retention (Privacy/RetentionPurge.cs): when an event's personal data was deleted, and a log of
-- every purge (kept after the data is gone, so it can be shown that the rule was applied).
-- meeting_claim: the app instance making the event's Zoom meeting (Meetings/MeetingHandler.cs).
ALTER TABLE events ADD COLUMN meeting_claim TEXT;
ALTER TABLE events ADD COLUMN personal_data_purged_at TEXT;
CREATE TABLE purge_log (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events (id),
    event_slug      TEXT NOT NULL,
    registrations   INTEGER NOT NULL,
    retention_days  INTEGER NOT NULL,
    purged_at       TEXT NOT NULL
);
CREATE INDEX purge_log_purged_at ON purge_log (purged_at);

-- Attendance (Attendance/): who came, from where and when.
--   attended_source: join (the first /j/ redirect inside the door window), zoom or teams (the
--   provider's report after the end), console, import or api (staff). A staff mark is never
--   overwritten by a report, and a report is never overwritten by a join.
--   attended_at: when the mark was made; attended_minutes: minutes in the meeting by the report;
--   joined_at: the first /j/ redirect, kept whatever the mark says.
ALTER TABLE registrations ADD COLUMN attended_source TEXT;
ALTER TABLE registrations ADD COLUMN attended_at TIMESTAMPTZ;
ALTER TABLE registrations ADD COLUMN attended_minutes INTEGER;
ALTER TABLE registrations ADD COLUMN joined_at TIMESTAMPTZ;
-- Marks made before this migration were made by staff in the console.
UPDATE registrations SET attended_source = 'console', attended_at = updated_at WHERE attended IS NOT NULL;
-- "Attended" by a provider's report means at least this many minutes in the meeting.
ALTER TABLE events ADD COLUMN attendance_minutes INTEGER NOT NULL DEFAULT 10;
-- The last report import: when, and what it found (JSON: participants, matched, marked).
ALTER TABLE events ADD COLUMN attendance_report_at TIMESTAMPTZ;
ALTER TABLE events ADD COLUMN attendance_report TEXT;

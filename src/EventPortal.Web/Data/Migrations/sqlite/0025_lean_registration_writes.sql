-- One index entry fewer for each registration of a rush (issue 15; bench/README.md, "Fewer index entries").
-- The outbox is read by event only for the kinds an event plans (reminders, recordings, organiser messages, their plan
-- rows, attendance reports: Reminders/, Attendance/), never for the first mail each registration writes. Those rows
-- stay out of the index. SQLite uses a partial index only for a query that repeats its condition word for word: every
-- query by event ends with it (Outbox/OutboxRows.cs, NotFirstMail). (PostgreSQL's 0025 does more: SQLite cannot drop
-- a column's constraint or a foreign key without rebuilding the table.)
DROP INDEX outbox_event;
CREATE INDEX outbox_event ON outbox (event_id, status)
    WHERE kind NOT IN ('mail.registration_confirmed', 'mail.address_confirmation');

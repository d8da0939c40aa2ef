-- One spelling in the schema as in the code: "organiser".
ALTER TABLE events RENAME COLUMN organizer_name TO organiser_name;
ALTER TABLE events RENAME COLUMN organizer_email TO organiser_email;
-- The outbox's per-registration lookups (dropping a cancelled registration's reminders, skipping an
-- erased one's mail) read by registration; without this index each one scanned the whole outbox.
CREATE INDEX outbox_registration ON outbox (registration_id, status);

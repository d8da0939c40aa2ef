-- The outbox's index by registration leaves out each registration's first mail as well (issue 15; bench/README.md,
-- "The first mail out of the index by registration"), one index entry less for every registration of a rush.
-- What reads the outbox by registration: a cancelled registration's reminders (Reminders/ReminderRules.cs,
-- DropForRegistration), which repeats the condition (Outbox/OutboxRows.cs, NotFirstMail); and erasure, which reads
-- every kind of mail still waiting or failed, and finds them through the index by status (outbox_due).
-- SQLite keeps the whole index: its outbox still has a foreign key to registrations (ON DELETE CASCADE), whose check
-- on every deleted registration needs an index that holds every row.
DROP INDEX outbox_registration;
CREATE INDEX outbox_registration ON outbox (registration_id, status)
    WHERE kind NOT IN ('mail.registration_confirmed', 'mail.address_confirmation');

-- Fewer index entries and checks for each registration of a rush (issue 15; bench/README.md, "Fewer index entries").
--
-- 1. A new registration keeps its link seed in token_seed only (Registrations/Tokens.cs) and leaves manage_token_hash
--    empty, so it writes no entry in its index. The column keeps the hash of manage links mailed before migration 0022,
--    still found by it, and the seed of rows written since (left as they are: rewriting them would rewrite the table).
--    (SQLite cannot drop the column's NOT NULL UNIQUE without rebuilding the table, and keeps writing the seed into it.)
ALTER TABLE registrations ALTER COLUMN manage_token_hash DROP NOT NULL;
ALTER TABLE registrations DROP CONSTRAINT registrations_manage_token_hash_key;
CREATE UNIQUE INDEX registrations_manage_token ON registrations (manage_token_hash) WHERE manage_token_hash IS NOT NULL;

-- 2. An outbox row names its registration without a foreign key: the check ran on every row written, and a
--    registration is deleted only in the transaction that wrote it, before anything was queued for it (a ticket sold
--    out: Registrations/Registrar.cs). Erasure keeps the row, emptied. The key to the event stays.
ALTER TABLE outbox DROP CONSTRAINT outbox_registration_id_fkey;

-- 3. The outbox is read by event only for the kinds an event plans (reminders, recordings, organiser messages, their
--    plan rows, attendance reports: Reminders/, Attendance/), never for the first mail each registration writes. Those
--    rows stay out of the index. Every query by event repeats the condition (Outbox/OutboxRows.cs, NotFirstMail).
DROP INDEX outbox_event;
CREATE INDEX outbox_event ON outbox (event_id, status)
    WHERE kind NOT IN ('mail.registration_confirmed', 'mail.address_confirmation');

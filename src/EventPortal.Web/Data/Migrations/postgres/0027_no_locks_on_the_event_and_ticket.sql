-- A registration and its first mail no longer check their event and ticket with foreign keys (issue 15; bench/README.md,
-- "No foreign-key locks on the event and ticket rows"). PostgreSQL checks a foreign key by locking the row it names
-- (FOR KEY SHARE) until the commit; in a rush every registration names the same event and ticket rows, so the locks
-- pile up on two rows, each new one written as a MultiXact of all the transactions in flight: two lock records and a
-- MultiXact in the WAL of every registration, and the CPU to build them. Measured in A/Bs on one cluster: +5 to +28 %
-- registrations/s on an unlimited ticket without the three keys, most of it the ticket's.
--
-- What the keys guarded, and what guards it now:
-- - registrations.event_id: events are never deleted, and the one INSERT of a registration (Registrations/Registrar.cs,
--   InsertRegistrationAs) writes only when its ticket belongs to its event.
-- - registrations.ticket_type_id: a ticket is deleted only by an organiser's edit while no registration names it
--   (Events/EventChanges.cs, ApplyTicketsAsync), which on PostgreSQL locks the registrations table against writers
--   first (SHARE ROW EXCLUSIVE): every registration in flight has committed when it counts, and none starts until it ends.
-- - outbox.event_id: events are never deleted, and every row is written for an event just read.
-- SQLite keeps all three: its checks take no lock, and dropping them there would rebuild the tables.
ALTER TABLE registrations DROP CONSTRAINT registrations_event_id_fkey;
ALTER TABLE registrations DROP CONSTRAINT registrations_ticket_type_id_fkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_event_id_fkey;

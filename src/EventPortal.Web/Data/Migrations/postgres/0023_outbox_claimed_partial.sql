-- The dispatcher looks for stale claims among the rows in flight only (Outbox/OutboxDispatcher.cs, ClaimSql):
-- the index of claims keeps those rows alone, so a new row (four for a live registration: its confirmation
-- and reminders) writes one index entry less, and rows long sent leave it.
DROP INDEX outbox_claimed;
CREATE INDEX outbox_claimed ON outbox (claimed_at) WHERE status = 'in_flight';

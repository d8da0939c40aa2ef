-- The outbox as a state machine: queued → in_flight → sent, or → retry (due again later)
-- → … → failed. claimed_at lets a crashed instance's rows be claimed again after a timeout.
ALTER TABLE outbox ADD COLUMN claimed_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
CREATE INDEX outbox_claimed ON outbox (status, claimed_at);
CREATE INDEX outbox_event ON outbox (event_id, status);

-- A registration's own revision of its invite (a ticket switch changes the invite's
-- LOCATION and DESCRIPTION); the invite's SEQUENCE is the event's plus this.
ALTER TABLE registrations ADD COLUMN invite_revision INTEGER NOT NULL DEFAULT 0;

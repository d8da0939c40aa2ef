-- Address confirmation (double opt-in; Registrations/Seats.cs, Registrations/Holds.cs).
-- 'pending': a seat held until hold_until for someone who has not yet used the link mailed to them.
-- address_confirmed_at: when the address was proven (NULL: not yet); registrations from before
-- this migration count as confirmed. client_network: the IPv4 address or IPv6 /64 that
-- registered, for the cap on pending holds per network and event (kept only while pending).
-- confirm_address: per ticket; on for tickets with a capacity, as for new ones.
ALTER TABLE registrations DROP CONSTRAINT registrations_status_check;
ALTER TABLE registrations ADD CONSTRAINT registrations_status_check
    CHECK (status IN ('pending','confirmed','waitlisted','cancelled'));
ALTER TABLE registrations ADD COLUMN address_confirmed_at TIMESTAMPTZ;
ALTER TABLE registrations ADD COLUMN hold_until TIMESTAMPTZ;
ALTER TABLE registrations ADD COLUMN client_network TEXT;
UPDATE registrations SET address_confirmed_at = created_at;
ALTER TABLE ticket_types ADD COLUMN confirm_address BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE ticket_types SET confirm_address = TRUE WHERE capacity IS NOT NULL;
-- The sweep of lapsed holds, and the count of a network's holds for an event.
CREATE INDEX registrations_holds ON registrations (hold_until) WHERE status = 'pending';
CREATE INDEX registrations_network_holds ON registrations (event_id, client_network) WHERE status = 'pending';

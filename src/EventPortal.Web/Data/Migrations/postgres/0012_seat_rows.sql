-- Seat rows (Registrations/Seats.cs, docs/scaling.md): a ticket with a capacity has one row per
-- seat, naming the registration on it (NULL: free). A registration takes a free seat with
-- FOR UPDATE SKIP LOCKED, so concurrent registrations of one ticket each lock a different row
-- instead of queueing on one counter. Unlimited tickets have no rows and take no lock at all.
-- How many seats are taken is counted from the registrations, so ticket_types.taken goes.
CREATE TABLE seats (
    ticket_type_id  BIGINT NOT NULL REFERENCES ticket_types(id) ON DELETE CASCADE,
    seat_no         INTEGER NOT NULL CHECK (seat_no > 0),
    registration_id BIGINT REFERENCES registrations(id) ON DELETE SET NULL,
    PRIMARY KEY (ticket_type_id, seat_no)
);
CREATE INDEX seats_free ON seats (ticket_type_id, seat_no) WHERE registration_id IS NULL;
CREATE INDEX seats_holder ON seats (registration_id) WHERE registration_id IS NOT NULL;
-- Today's holders (confirmed and pending) sit on seats 1, 2, … of their ticket, oldest first.
INSERT INTO seats (ticket_type_id, seat_no, registration_id)
SELECT t.id, n.i, h.id
FROM ticket_types t
CROSS JOIN LATERAL generate_series(1, t.capacity) AS n(i)
LEFT JOIN (
    SELECT id, ticket_type_id, ROW_NUMBER() OVER (PARTITION BY ticket_type_id ORDER BY created_at, id) AS k
    FROM registrations WHERE status IN ('confirmed', 'pending')
) h ON h.ticket_type_id = t.id AND h.k = n.i
WHERE t.capacity IS NOT NULL;
ALTER TABLE ticket_types DROP COLUMN taken;

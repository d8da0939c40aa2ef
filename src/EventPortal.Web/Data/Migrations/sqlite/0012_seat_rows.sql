-- Seat rows (Registrations/Seats.cs, docs/scaling.md): a ticket with a capacity has one row per
-- seat, naming the registration on it (NULL: free). On PostgreSQL concurrent registrations of
-- one ticket each lock a different row instead of queueing on one counter; on SQLite the single
-- writer orders them, and the rows keep one seat model for both engines. Unlimited tickets have
-- no rows. How many seats are taken is counted from the registrations, so ticket_types.taken goes.
CREATE TABLE seats (
    ticket_type_id  INTEGER NOT NULL REFERENCES ticket_types(id) ON DELETE CASCADE,
    seat_no         INTEGER NOT NULL CHECK (seat_no > 0),
    registration_id INTEGER REFERENCES registrations(id) ON DELETE SET NULL,
    PRIMARY KEY (ticket_type_id, seat_no)
);
CREATE INDEX seats_free ON seats (ticket_type_id, seat_no) WHERE registration_id IS NULL;
CREATE INDEX seats_holder ON seats (registration_id) WHERE registration_id IS NOT NULL;
-- Today's holders (confirmed and pending) sit on seats 1, 2, … of their ticket, oldest first.
WITH RECURSIVE n(i) AS (
    SELECT 1 WHERE (SELECT MAX(capacity) FROM ticket_types) > 0
    UNION ALL SELECT i + 1 FROM n WHERE i < (SELECT MAX(capacity) FROM ticket_types)
)
INSERT INTO seats (ticket_type_id, seat_no, registration_id)
SELECT t.id, n.i, h.id
FROM ticket_types t
JOIN n ON n.i <= t.capacity
LEFT JOIN (
    SELECT id, ticket_type_id, ROW_NUMBER() OVER (PARTITION BY ticket_type_id ORDER BY created_at, id) AS k
    FROM registrations WHERE status IN ('confirmed', 'pending')
) h ON h.ticket_type_id = t.id AND h.k = n.i
WHERE t.capacity IS NOT NULL;
ALTER TABLE ticket_types DROP COLUMN taken;

-- Personal join (/j/) and recording (/w/) links, and what kind of ticket a ticket type is.
ALTER TABLE registrations ADD COLUMN join_token_hash TEXT;
ALTER TABLE registrations ADD COLUMN watch_token_hash TEXT;
CREATE UNIQUE INDEX registrations_join_token ON registrations (join_token_hash);
CREATE UNIQUE INDEX registrations_watch_token ON registrations (watch_token_hash);

-- 'live' tickets may join the meeting; 'recording' tickets get the recording only.
ALTER TABLE ticket_types ADD COLUMN kind TEXT NOT NULL DEFAULT 'live' CHECK (kind IN ('live','recording'));
UPDATE ticket_types SET kind = 'recording' WHERE code = 'recording';

-- The organiser may open the join link earlier than doors-open (null: at doors-open).
ALTER TABLE events ADD COLUMN join_opens_at TIMESTAMPTZ;

-- Meetings made by a provider (Teams, Zoom) through the outbox. meeting_state: NULL (manual or
-- not asked yet), 'pending', 'ready', 'deleted', 'failed'; meeting_error is the provider's code
-- and message for the console (never a secret). provider_join_url is a registrant's own Zoom
-- join link, used by /j/{token} instead of the shared meeting_url.
ALTER TABLE events ADD COLUMN meeting_state TEXT;
ALTER TABLE events ADD COLUMN meeting_error TEXT;
ALTER TABLE events ADD COLUMN meeting_synced_at TEXT;
ALTER TABLE registrations ADD COLUMN provider_join_url TEXT;
ALTER TABLE registrations ADD COLUMN provider_registrant_id TEXT;

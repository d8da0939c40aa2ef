-- previous_starts_at: the start a published event had before its first move (Events/EventSharing.cs says
-- "rescheduled" to search engines and link previews, with schema.org's previousStartDate). NULL: never moved.
ALTER TABLE events ADD COLUMN previous_starts_at TIMESTAMPTZ;

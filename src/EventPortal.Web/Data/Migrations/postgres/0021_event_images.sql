-- An organiser's own preview image of an event page (og:image, twitter:image, JSON-LD image; Events/PreviewImage.cs):
-- its type, size and version (a hash of the bytes, in the image's address so caches may keep it) on the event, read with
-- it; the bytes in a table of their own, read only when the image itself is asked for. NULL: the generated card.
ALTER TABLE events ADD COLUMN image_type TEXT;
ALTER TABLE events ADD COLUMN image_width INTEGER;
ALTER TABLE events ADD COLUMN image_height INTEGER;
ALTER TABLE events ADD COLUMN image_version TEXT;
CREATE TABLE event_images (
    event_id BIGINT PRIMARY KEY REFERENCES events (id),
    data     BYTEA NOT NULL
);

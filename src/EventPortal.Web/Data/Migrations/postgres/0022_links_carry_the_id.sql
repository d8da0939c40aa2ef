-- Personal links carry the registration's id and a MAC of its seed (Registrations/Tokens.cs), so a new
-- registration stores no hash of its join and recording links: those two indexes keep only the rows of
-- links mailed before this migration, which are still found by their hash. A new registration keeps its
-- seed in manage_token_hash (NOT NULL UNIQUE, which SQLite cannot drop without rebuilding the table); the
-- seed begins with the time, so that index grows at its end.
DROP INDEX registrations_join_token;
DROP INDEX registrations_watch_token;
CREATE UNIQUE INDEX registrations_join_token ON registrations (join_token_hash) WHERE join_token_hash IS NOT NULL;
CREATE UNIQUE INDEX registrations_watch_token ON registrations (watch_token_hash) WHERE watch_token_hash IS NOT NULL;

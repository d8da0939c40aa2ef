-- Organiser sign-in: server-side sessions (revocable, listed on the security page), second
-- factors (an authenticator app's TOTP secret, passkeys) and one-time recovery codes.
-- The owner's "every account needs a second factor" setting is an app_state row.
CREATE TABLE admin_sessions (
    id             INTEGER PRIMARY KEY,
    admin_id       INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    user_agent     TEXT NOT NULL DEFAULT '',
    ip             TEXT NOT NULL DEFAULT '',
    second_factor  TEXT NOT NULL DEFAULT '',
    revoked_at     TEXT
);
CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id, revoked_at);

CREATE TABLE admin_totp (
    admin_id   INTEGER PRIMARY KEY REFERENCES admins(id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE admin_passkeys (
    id            INTEGER PRIMARY KEY,
    admin_id      INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    public_key    TEXT NOT NULL,
    sign_count    INTEGER NOT NULL DEFAULT 0,
    name          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    last_used_at  TEXT
);
CREATE INDEX admin_passkeys_admin ON admin_passkeys (admin_id);

CREATE TABLE admin_recovery_codes (
    id         INTEGER PRIMARY KEY,
    admin_id   INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX admin_recovery_codes_admin ON admin_recovery_codes (admin_id);

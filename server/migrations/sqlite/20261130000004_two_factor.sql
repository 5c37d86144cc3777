-- Issue 11: two-factor sign-in with TOTP (RFC 6238).
CREATE TABLE two_factor (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    secret     BLOB NOT NULL,                -- 20 random bytes: shown once at enrolment, never returned again
    enabled_at INTEGER,                      -- NULL while the enrolment waits for its first code
    last_step  INTEGER NOT NULL DEFAULT 0    -- the newest 30-second step accepted: each code works once
) STRICT;

-- Single-use codes for a lost authenticator, shown once when two-factor sign-in is turned on.
CREATE TABLE recovery_codes (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,                -- SHA-256 of the code without its dash
    used_at    INTEGER,
    PRIMARY KEY (account_id, code_hash)
) STRICT;

-- A sign-in whose password was right, waiting (5 minutes at most) for its second factor. The
-- browser holds the token in a short-lived HttpOnly cookie.
CREATE TABLE pending_sign_ins (
    token_hash BLOB PRIMARY KEY,             -- SHA-256 of the cookie's token
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) STRICT;

-- 0006: password history and TOTP replay protection. migrate.rs runs this file in one transaction, then records it.
-- (0005 and 0007 belong to other changes; this file touches only its own table and one new users column.)

-- Hashes a user's password had before its current one, newest last (by id). Every password change adds the hash it
-- replaces (store/sqlite/queries.rs set_password_hash) and keeps at most the newest 24 (the highest
-- `password_history` setting); the rule reads as many as the setting asks for.
CREATE TABLE password_history (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Argon2id PHC string, like users.password_hash: never a password.
    password_hash TEXT NOT NULL,
    replaced_at INTEGER NOT NULL
) STRICT;

CREATE INDEX password_history_by_user ON password_history (user_id, id);

-- The last TOTP time step (RFC 6238: unix time / 30) a login was accepted with: a code for this step or an earlier
-- one is a replay. Checked and moved in the login's write transaction. users.totp_key (0001) holds the key, sealed.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

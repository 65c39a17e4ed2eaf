-- 0002: login throttling and session expiry. migrate.rs runs this file in one transaction, then records it.

-- Consecutive failed logins per account name, whether or not such an account exists: keyed by the names a login
-- gives (ASCII-lowercased, as CustomerName::key and UserName::key), so that an unknown user is throttled exactly
-- like a real one and the lockout cannot tell which names exist. No foreign keys for the same reason.
-- Supersedes users.failed_logins (left in place, no longer read).
CREATE TABLE login_guard (
    customer_key TEXT NOT NULL,
    user_key TEXT NOT NULL,
    -- Wrong passwords in a row (attempts refused during a delay do not count).
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    -- Set at the hard-lock threshold; only UnblockUser, `usergate admin unlock` or a password reset clear it.
    locked INTEGER NOT NULL CHECK (locked IN (0, 1)),
    PRIMARY KEY (customer_key, user_key)
) STRICT, WITHOUT ROWID;

-- Purging expired sessions looks them up by either deadline.
CREATE INDEX sessions_by_created ON sessions (created_at);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);

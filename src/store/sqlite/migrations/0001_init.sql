-- 0001: the first schema. migrate.rs runs this file in one transaction and then sets user_version = 1.
-- STRICT tables, so a wrong type from a bug fails loudly instead of being stored.

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    -- ASCII-lowercased name (CustomerName::key): customers differ only if they differ ignoring case.
    name_key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    uid TEXT NOT NULL UNIQUE,
    user_name TEXT NOT NULL,
    -- ASCII-lowercased user_name (UserName::key); rows.rs matches the UNIQUE violation on it to TARGET_EXISTS.
    user_name_key TEXT NOT NULL,
    -- One column per ProfileField, named by ProfileField::name(); NULL = unset.
    nickname TEXT,
    first_name TEXT,
    middle_name TEXT,
    last_name TEXT,
    display_name TEXT,
    phone TEXT,
    fax TEXT,
    email TEXT,
    notify_email TEXT,
    pager_email TEXT,
    address TEXT,
    address_2 TEXT,
    city TEXT,
    state TEXT,
    post_code TEXT,
    country TEXT,
    website TEXT,
    organization TEXT,
    notes TEXT,
    password_hash TEXT NOT NULL,
    blocked INTEGER NOT NULL CHECK (blocked IN (0, 1)),
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    locked INTEGER NOT NULL CHECK (locked IN (0, 1)),
    hold INTEGER NOT NULL CHECK (hold IN (0, 1)),
    require_pw_change INTEGER NOT NULL CHECK (require_pw_change IN (0, 1)),
    password_expiry INTEGER,
    totp_label TEXT,
    -- Reserved for TOTP secrets; a user has TOTP enabled exactly when this is set.
    totp_key BLOB,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_login_at INTEGER,
    version INTEGER NOT NULL,
    -- Lower-cased name fields and email joined by '\n', searched with instr() (rows.rs: search_text).
    search_text TEXT NOT NULL,
    -- Also the index behind "users of a customer ordered by name".
    UNIQUE (customer_id, user_name_key)
) STRICT;

-- Access lists keep the order they were given in: `position` is the index in the domain's Vec.
CREATE TABLE user_groups (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    group_name TEXT NOT NULL,
    PRIMARY KEY (user_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE user_permissions (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    permission TEXT NOT NULL,
    PRIMARY KEY (user_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE user_zones (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    zone_name TEXT NOT NULL,
    recurse INTEGER NOT NULL CHECK (recurse IN (0, 1)),
    PRIMARY KEY (user_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE user_forbids (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (user_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE user_forbid_zones (
    user_id INTEGER NOT NULL,
    forbid_position INTEGER NOT NULL,
    position INTEGER NOT NULL,
    zone_name TEXT NOT NULL,
    recurse INTEGER NOT NULL CHECK (recurse IN (0, 1)),
    PRIMARY KEY (user_id, forbid_position, position),
    -- A zone belongs to its forbid, which belongs to its user: deleting either removes it.
    FOREIGN KEY (user_id, forbid_position) REFERENCES user_forbids (user_id, position) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    -- SHA-256 of the token, hex: the token itself is never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) STRICT;

-- Revoking a user's sessions and the ON DELETE CASCADE from users both look sessions up by user.
CREATE INDEX sessions_by_user ON sessions (user_id);

-- No foreign keys: the audit trail outlives the users and customers it names.
CREATE TABLE audit (
    -- The job id, inserted explicitly (never assigned by SQLite).
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    customer_id INTEGER,
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    operation TEXT NOT NULL,
    target TEXT NOT NULL,
    -- 'success' or the err_cd of the failure.
    outcome TEXT NOT NULL,
    -- Names of the changed fields, comma-joined; never values.
    changed TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    correlation_id TEXT NOT NULL
) STRICT;

-- Small counters that must survive restarts; today only job_id_ceiling (the highest job id reserved).
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

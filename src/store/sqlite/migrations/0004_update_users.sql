-- 0004: DDNS update users (DynECT's "UpdateUser" resource), apart from ordinary users: they never log in to the
-- management operations, and their passwords are sealed (readable again with the key file), never hashed.
-- (0002, 0003 and 0005-0007 belong to other changes; this file touches only its own table and two triggers.)

CREATE TABLE update_users (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    user_name TEXT NOT NULL,
    -- ASCII-lowercased user_name (UserName::key), unique per customer together with the ordinary users' names.
    user_name_key TEXT NOT NULL,
    nickname TEXT NOT NULL,
    -- XChaCha20-Poly1305 (src/auth/secret_box.rs): format byte, 24-byte random nonce, ciphertext and tag, bound to
    -- (customer_id, user_name_key). The key is in the key file named by the configuration, never in this database.
    password_sealed BLOB NOT NULL,
    blocked INTEGER NOT NULL CHECK (blocked IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (customer_id, user_name_key)
) STRICT;

-- One name space per customer: logins and audit records name users by user_name, so an ordinary user and an
-- update user never share one. The messages are matched in store/sqlite/error.rs.
CREATE TRIGGER users_insert_name_free BEFORE INSERT ON users
WHEN EXISTS (SELECT 1 FROM update_users WHERE customer_id = NEW.customer_id AND user_name_key = NEW.user_name_key)
BEGIN
    SELECT RAISE(ABORT, 'user name taken: users.user_name_key');
END;

CREATE TRIGGER users_rename_name_free BEFORE UPDATE OF user_name_key ON users
WHEN EXISTS (SELECT 1 FROM update_users WHERE customer_id = NEW.customer_id AND user_name_key = NEW.user_name_key)
BEGIN
    SELECT RAISE(ABORT, 'user name taken: users.user_name_key');
END;

CREATE TRIGGER update_users_insert_name_free BEFORE INSERT ON update_users
WHEN EXISTS (SELECT 1 FROM users WHERE customer_id = NEW.customer_id AND user_name_key = NEW.user_name_key)
BEGIN
    SELECT RAISE(ABORT, 'user name taken: update_users.user_name_key');
END;

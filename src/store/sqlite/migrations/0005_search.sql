-- 0005: search and the audit trail: keyset indexes for GetUsers and GetAuditEvents, the secret that signs their
-- cursors, append-only audit records, and the record of audit exports that a purge needs.
-- (0002-0004 and 0006+ belong to other changes; this file touches only the objects it creates.)

-- GetUsers pages: the customer, then the sort key, then the id (SQLite appends the rowid to every index entry, so
-- the tie-break is in the index). By name: UNIQUE (customer_id, user_name_key) of 0001 already is that index.
CREATE INDEX users_by_created ON users (customer_id, created_at);
-- Never logged in sorts as 0; queries use this very expression, so that the index serves them.
CREATE INDEX users_by_last_login ON users (customer_id, coalesce(last_login_at, 0));
-- The group and permission filters look rows up by value.
CREATE INDEX user_groups_by_name ON user_groups (group_name, user_id);
CREATE INDEX user_permissions_by_name ON user_permissions (permission, user_id);

-- GetAuditEvents: one customer's records, newest first.
CREATE INDEX audit_by_customer ON audit (customer_id, id);
-- Purge finds the records older than its date.
CREATE INDEX audit_by_at ON audit (at);

-- The HMAC-SHA256 key of GetUsers and GetAuditEvents cursors (store/sqlite/cursor.rs): one per database, made here,
-- so a cursor is only good against the database that made it.
CREATE TABLE cursor_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL
) STRICT;
INSERT INTO cursor_secret (id, key) VALUES (1, randomblob(32));

-- Audit records are append-only. The one way to remove some is `usergate admin audit purge`: inside its own
-- transaction it inserts a permit naming the highest job id it may remove, deletes, and removes the permit again.
-- A permit row instead of dropping and recreating the triggers: DDL would invalidate every prepared statement of
-- the running server, and a crash between DROP and CREATE could not leave the table unprotected with a permit
-- (a permit left behind is not possible either: it lives only inside the purge's transaction).
CREATE TABLE audit_purge_permit (
    up_to INTEGER NOT NULL
) STRICT;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit WHERE OLD.id <= up_to)
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;

CREATE TRIGGER job_results_no_update BEFORE UPDATE ON job_results
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;

CREATE TRIGGER job_results_no_delete BEFORE DELETE ON job_results
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit WHERE OLD.job_id <= up_to)
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;

-- Every `usergate admin audit export`: when, which customer (NULL: all), from when (NULL: the beginning), and the
-- highest job id it wrote. A purge needs an all-customer export that reached the records it removes.
CREATE TABLE audit_exports (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    customer_id INTEGER,
    since INTEGER,
    max_job_id INTEGER,
    row_count INTEGER NOT NULL
) STRICT;

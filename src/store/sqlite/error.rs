//! `StoreError`: what can go wrong in the SQLite backend, and its one conversion into a `DomainError`.

use rusqlite::ffi;

use crate::domain::{DomainError, ErrCode};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The (customer, user name) key is taken; `renamed` says whether a rename (not a create) hit it.
    #[error("user name already exists")]
    UserNameTaken { renamed: bool },
    /// A new DDNS update user's name is taken (by an ordinary or another update user).
    #[error("update user name already exists")]
    UpdateUserNameTaken,
    /// A stored value the domain cannot read back, e.g. an unknown group name.
    #[error("corrupted data: {0}")]
    Corrupt(String),
    /// Only in-memory databases and unusual VFSes refuse WAL; without it readers would block the writer.
    #[error("journal_mode is {0}, WAL is required")]
    NoWal(String),
    #[error("no user with id {0}")]
    NoSuchUser(i64),
    /// The file was migrated by a newer usergate; running older code on it could corrupt it. The numbers are
    /// migration file numbers (`found`: the newest one applied to the file, `known`: this build's newest).
    #[error("database schema {found} is newer than this usergate (knows up to {known}): upgrade usergate")]
    SchemaTooNew { found: i64, known: i64 },
    /// A file around the database (backup, restore, creating it) could not be handled.
    #[error("{0}")]
    File(String),
    /// `PRAGMA wal_checkpoint(TRUNCATE)` could not reset the WAL: a reader still held an old snapshot.
    #[error("checkpoint: a reader kept the WAL busy")]
    CheckpointBusy,
    /// The group-commit transaction this write was part of did not commit; the write did not happen.
    #[error("commit failed: {0}")]
    CommitFailed(String),
    /// The domain's `decide` refused the change; passed through unchanged.
    #[error("rejected: {0}")]
    Rejected(DomainError),
}

impl StoreError {
    /// Recognises the UNIQUE(customer_id, user_name_key) violation; every other error passes through.
    pub(super) fn on_user_name(err: rusqlite::Error, renamed: bool) -> StoreError {
        if names_key(&err, "users.user_name_key") {
            StoreError::UserNameTaken { renamed }
        } else {
            StoreError::Sqlite(err)
        }
    }

    /// Recognises a taken name on inserting a DDNS update user (its own UNIQUE key, or an ordinary user's name).
    pub(super) fn on_update_user_name(err: rusqlite::Error) -> StoreError {
        if names_key(&err, "update_users.user_name_key") {
            StoreError::UpdateUserNameTaken
        } else {
            StoreError::Sqlite(err)
        }
    }
}

/// Whether `err` says the name key `column` is taken: the UNIQUE index, or the triggers of migration 0004 that keep
/// ordinary and update users in one name space per customer.
fn names_key(err: &rusqlite::Error, column: &str) -> bool {
    match err {
        rusqlite::Error::SqliteFailure(e, Some(msg)) => {
            // SQLite names the columns, not the constraint:
            // "UNIQUE constraint failed: users.customer_id, users.user_name_key"; the triggers' RAISE says
            // "user name taken: users.user_name_key". Whole words only: `users.` must not match `update_users.`.
            let unique =
                e.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE && msg.split([',', ' ']).any(|part| part == column);
            let trigger = e.extended_code == ffi::SQLITE_CONSTRAINT_TRIGGER
                && msg.strip_prefix("user name taken: ").is_some_and(|c| c == column);
            unique || trigger
        }
        _ => false,
    }
}

impl From<StoreError> for DomainError {
    fn from(err: StoreError) -> DomainError {
        match err {
            StoreError::UserNameTaken { renamed } => {
                let field = if renamed { "new_user_name" } else { "user_name" };
                DomainError::new(ErrCode::TargetExists, field, "already exists")
            }
            StoreError::UpdateUserNameTaken => DomainError::new(ErrCode::TargetExists, "user_name", "already exists"),
            StoreError::Rejected(e) => e,
            other => {
                // The detail stays in the log; the client only sees INTERNAL_ERROR.
                tracing::error!(error = %other, "store failure");
                DomainError::internal()
            }
        }
    }
}

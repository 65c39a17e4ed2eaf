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
    /// A stored value the domain cannot read back, e.g. an unknown group name.
    #[error("corrupted data: {0}")]
    Corrupt(String),
    /// Only in-memory databases and unusual VFSes refuse WAL; without it readers would block the writer.
    #[error("journal_mode is {0}, WAL is required")]
    NoWal(String),
    #[error("no user with id {0}")]
    NoSuchUser(i64),
    /// The file was migrated by a newer usergate; running older code on it could corrupt it.
    #[error("database schema version {found} is newer than this build knows ({known})")]
    SchemaTooNew { found: i64, known: i64 },
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
        let is_name_key = match &err {
            rusqlite::Error::SqliteFailure(e, Some(msg)) => {
                // SQLite names the columns, not the constraint:
                // "UNIQUE constraint failed: users.customer_id, users.user_name_key".
                e.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE && msg.contains("users.user_name_key")
            }
            _ => false,
        };
        if is_name_key { StoreError::UserNameTaken { renamed } } else { StoreError::Sqlite(err) }
    }
}

impl From<StoreError> for DomainError {
    fn from(err: StoreError) -> DomainError {
        match err {
            StoreError::UserNameTaken { renamed } => {
                let field = if renamed { "new_user_name" } else { "user_name" };
                DomainError::new(ErrCode::TargetExists, field, "already exists")
            }
            StoreError::Rejected(e) => e,
            other => {
                // The detail stays in the log; the client only sees INTERNAL_ERROR.
                tracing::error!(error = %other, "store failure");
                DomainError::internal()
            }
        }
    }
}

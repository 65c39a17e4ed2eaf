//! The domain: users, sessions, permissions and audit, with their rules. Knows nothing of XML, HTTP or SQL.

pub mod access;
pub mod audit;
pub mod ddns;
pub mod error;
pub mod login_guard;
pub mod passwords;
pub mod permission;
pub mod search;
pub mod session;
pub mod store;
pub mod totp;
pub mod user;
pub mod users;
pub mod values;

pub use audit::{AuditEntry, JobId, Outcome, RequestMeta};
pub use error::{DomainError, ErrCode};
pub use store::Store;

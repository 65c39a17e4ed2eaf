//! Searching users (GetUsers) and the audit trail (GetAuditEvents): filters, sort orders, keyset pages. A page's
//! cursor is opaque here: the store makes it (the position after the page's last row, signed, bound to the query).

use super::audit::{JobId, Outcome};
use super::error::{DomainError, ErrCode};
use super::permission::{Authorized, Group, Permission, gate};
use super::store::Store;
use super::user::User;
use super::users::Limits;
use super::values::Timestamp;

/// Rows a page holds when the request names no `page_size`.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest `page_size` accepted.
pub const MAX_PAGE_SIZE: u32 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSort {
    /// By name ignoring case: GetUsers' order before sorting existed.
    #[default]
    UserName,
    CreatedAt,
    /// Users that never logged in sort as if at the epoch (first in ascending order).
    LastLoginAt,
}

impl UserSort {
    pub fn parse(field: &str, s: &str) -> Result<Self, DomainError> {
        match s {
            "user_name" => Ok(UserSort::UserName),
            "created_at" => Ok(UserSort::CreatedAt),
            "last_login_at" => Ok(UserSort::LastLoginAt),
            _ => Err(DomainError::invalid(field, "user_name, created_at or last_login_at expected")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            UserSort::UserName => "user_name",
            UserSort::CreatedAt => "created_at",
            UserSort::LastLoginAt => "last_login_at",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Asc,
    Desc,
}

impl Order {
    pub fn parse(field: &str, s: &str) -> Result<Self, DomainError> {
        match s {
            "asc" => Ok(Order::Asc),
            "desc" => Ok(Order::Desc),
            _ => Err(DomainError::invalid(field, "asc or desc expected")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Asc => "asc",
            Order::Desc => "desc",
        }
    }
}

/// Users that effectively hold a permission: owners; else anyone not forbidden it everywhere who holds it directly
/// or through one of `groups` (the groups that grant it, from `Group::grants`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldPermission {
    pub permission: Permission,
    pub groups: Vec<Group>,
}

impl HeldPermission {
    pub fn new(permission: Permission) -> Self {
        let groups = Group::ALL.iter().copied().filter(|g| g.grants(permission)).collect();
        HeldPermission { permission, groups }
    }
}

/// What GetUsers matches; every given filter must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Lower-cased; a substring of the name fields or the email.
    pub search: Option<String>,
    pub blocked: Option<bool>,
    pub active: Option<bool>,
    pub locked: Option<bool>,
    /// The whole address, ASCII-lowercased (addresses are ASCII), compared ignoring case.
    pub email: Option<String>,
    pub group: Option<Group>,
    pub permission: Option<HeldPermission>,
    pub created_after: Option<Timestamp>,
    pub created_before: Option<Timestamp>,
    /// Last login before this time; users that never logged in match too (the stale accounts one looks for).
    pub last_login_before: Option<Timestamp>,
}

/// One page of a keyset-paged list: how many rows, and after which position (`cursor`, from the previous page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub size: u32,
    pub cursor: Option<String>,
}

impl PageRequest {
    /// `page_size` (default 100, 1 to 1,000) and `cursor` as the request gave them.
    pub fn parse(size: Option<&str>, cursor: Option<&str>) -> Result<Self, DomainError> {
        let size = match size {
            None => DEFAULT_PAGE_SIZE,
            Some(s) => s
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| DomainError::invalid("page_size", format_args!("1 to {MAX_PAGE_SIZE} expected")))?,
        };
        Ok(PageRequest { size, cursor: cursor.map(str::to_owned) })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    pub filter: UserFilter,
    pub sort: UserSort,
    pub order: Order,
    /// `None`: every match at once (GetUsers without paging elements), bounded by the search limit.
    pub page: Option<PageRequest>,
}

/// A page of rows, how many match in all, and the cursor of the next page (`None` on the last one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

/// What the store found for a user query.
#[derive(Debug)]
pub enum UserSearch {
    Page(Page<User>),
    /// Unpaged and more than the limit match: how many.
    TooMany(u64),
}

/// GetUsers: the caller's customer only. Unpaged, more matches than the search limit is OPERATION_FAILED.
pub fn users(
    store: &dyn Store,
    by: &Authorized<'_, gate::UserGet>,
    query: &UserQuery,
    limits: Limits,
) -> Result<Page<User>, DomainError> {
    match store.query_users(by.caller().customer, query, limits.search_limit)? {
        UserSearch::Page(page) => Ok(page),
        UserSearch::TooMany(n) => Err(DomainError::new(
            ErrCode::OperationFailed,
            "search",
            format_args!("{n} users match; narrow the search"),
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeFilter {
    Success,
    Failure,
}

/// What GetAuditEvents matches; every given filter must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// User names compared ignoring case (`UserName::key`).
    pub actor: Option<String>,
    pub target: Option<String>,
    pub operation: Option<String>,
    pub outcome: Option<OutcomeFilter>,
    pub correlation_id: Option<String>,
    /// At or after.
    pub since: Option<Timestamp>,
    /// Before.
    pub until: Option<Timestamp>,
}

/// One audit record as GetAuditEvents and the export show it. Names are as recorded, so deleted users stay visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub job: JobId,
    pub at: Timestamp,
    /// The customer's name (for the all-customer export); `None` for records of no customer.
    pub customer: Option<String>,
    pub actor: String,
    pub operation: String,
    pub target: String,
    pub outcome: Outcome,
    /// `None` for records older than recorded results.
    pub info: Option<String>,
    pub changed: Vec<String>,
    pub client_addr: String,
    pub correlation_id: String,
}

/// GetAuditEvents: owners or PermissionGet; the caller's customer only; newest first.
pub fn audit_events(
    store: &dyn Store,
    by: &Authorized<'_, gate::PermissionGet>,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditEvent>, DomainError> {
    store.audit_events(by.caller().customer, filter, page)
}

/// Which audit records an export covers: one customer or all (`None`), from `since` on (or all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportScope {
    pub customer: Option<super::user::CustomerId>,
    pub since: Option<Timestamp>,
}

/// What an export wrote: its rows and the highest job id among them (recorded with the export).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub rows: u64,
    pub max_job: Option<JobId>,
}

/// What `purge` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeOutcome {
    /// Records removed (with their results).
    Purged(u64),
    /// No all-customer export made after them covers the records to purge; nothing was removed. The newest of
    /// them is named.
    NotExported { newest: JobId },
}

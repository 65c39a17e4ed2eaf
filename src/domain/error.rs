//! The domain's one error type: an `ErrCode` from DynECT's vocabulary plus an `info` naming the field or context.

use std::fmt;

/// DynECT's `err_cd` vocabulary; every failure a client sees carries one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrCode {
    MissingData,
    InvalidData,
    InvalidRequest,
    NotFound,
    TargetExists,
    PermissionDenied,
    IllegalOperation,
    /// `expected_version` does not match the stored version (optimistic concurrency).
    InvalidVersion,
    OperationFailed,
    InternalError,
    ServiceUnavailable,
}

impl ErrCode {
    pub const ALL: &'static [ErrCode] = &[
        ErrCode::MissingData,
        ErrCode::InvalidData,
        ErrCode::InvalidRequest,
        ErrCode::NotFound,
        ErrCode::TargetExists,
        ErrCode::PermissionDenied,
        ErrCode::IllegalOperation,
        ErrCode::InvalidVersion,
        ErrCode::OperationFailed,
        ErrCode::InternalError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrCode::MissingData => "MISSING_DATA",
            ErrCode::InvalidData => "INVALID_DATA",
            ErrCode::InvalidRequest => "INVALID_REQUEST",
            ErrCode::NotFound => "NOT_FOUND",
            ErrCode::TargetExists => "TARGET_EXISTS",
            ErrCode::PermissionDenied => "PERMISSION_DENIED",
            ErrCode::IllegalOperation => "ILLEGAL_OPERATION",
            ErrCode::InvalidVersion => "INVALID_VERSION",
            ErrCode::OperationFailed => "OPERATION_FAILED",
            ErrCode::InternalError => "INTERNAL_ERROR",
            ErrCode::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }

    /// Caller errors are SOAP `Client` faults; the rest are `Server` faults (design.md section 2).
    pub fn is_caller_error(self) -> bool {
        !matches!(self, ErrCode::OperationFailed | ErrCode::InternalError | ErrCode::ServiceUnavailable)
    }
}

/// A failure of a use case. `info` always starts with the field or context (`email: not a valid address`),
/// because DynECT clients parse that prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    pub code: ErrCode,
    pub info: String,
}

impl DomainError {
    pub fn new(code: ErrCode, context: &str, text: impl fmt::Display) -> Self {
        DomainError { code, info: format!("{context}: {text}") }
    }
    pub fn missing(field: &str) -> Self {
        Self::new(ErrCode::MissingData, field, "required")
    }
    pub fn invalid(field: &str, text: impl fmt::Display) -> Self {
        Self::new(ErrCode::InvalidData, field, text)
    }
    pub fn not_found(field: &str) -> Self {
        Self::new(ErrCode::NotFound, field, "no such user")
    }
    pub fn denied(context: &str, text: impl fmt::Display) -> Self {
        Self::new(ErrCode::PermissionDenied, context, text)
    }
    pub fn illegal(context: &str, text: impl fmt::Display) -> Self {
        Self::new(ErrCode::IllegalOperation, context, text)
    }
    /// The caller's `expected_version` is not the stored one: nothing was changed.
    pub fn stale(expected: i64, current: i64) -> Self {
        Self::new(ErrCode::InvalidVersion, "expected_version", format_args!("is {expected}, current {current}"))
    }
    /// The uniform login failure: unknown customer or user, wrong password, blocked, deactivated and locked all look
    /// the same.
    pub fn bad_credentials() -> Self {
        Self::new(ErrCode::InvalidData, "login", "Bad or expired credentials")
    }
    pub fn is_bad_credentials(&self) -> bool {
        *self == Self::bad_credentials()
    }
    /// Too many logins from one source address: a Server fault the client may retry later. Says nothing about the
    /// account, so it is no enumeration oracle.
    pub fn too_many_logins() -> Self {
        Self::new(ErrCode::ServiceUnavailable, "login", "too many login attempts from your address; retry later")
    }
    /// Internal details never reach the client; they are logged with the job id by the caller.
    pub fn internal() -> Self {
        Self::new(ErrCode::InternalError, "server", "internal error")
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code.as_str(), self.info)
    }
}

impl std::error::Error for DomainError {}

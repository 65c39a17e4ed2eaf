//! GetUsersRequest: `token`, `fault_incompat`, `search?` (a case-insensitive substring of names and email), then the
//! native filters, sort and paging elements; and the paged answer's `total` and `next_cursor` after the `data`.

use super::Request;
use super::reader::{FAULT_INCOMPAT, Field, Fields, Kind, TOKEN, opt};
use crate::domain::DomainError;
use crate::domain::permission::{Group, Permission};
use crate::domain::search::{HeldPermission, Order, PageRequest, UserFilter, UserQuery, UserSort};
use crate::domain::values::{Text, Timestamp, parse_email};

/// DynECT 3.x's GetUsers: `search` only.
pub const DYNECT_FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, opt("search")];

pub const FIELDS: &[Field] = &[
    TOKEN,
    FAULT_INCOMPAT,
    opt("search"),
    opt("status"),
    opt("active"),
    opt("locked"),
    opt("email"),
    opt("group_name"),
    opt("permission"),
    opt("created_after"),
    opt("created_before"),
    opt("last_login_before"),
    opt("sort"),
    opt("order"),
    Field { name: "page_size", min: 0, max: Some(1), kind: Kind::Int },
    opt("cursor"),
];

/// A given, non-empty element (an empty or nil one means "no filter", as an empty `search` always did).
fn given<'a>(f: &'a Fields, name: &str) -> Option<&'a str> {
    f.text(name).filter(|t| !t.trim().is_empty())
}

/// xsd:boolean, plus DynECT's Y/N.
pub(super) fn boolean(name: &str, v: &str) -> Result<bool, DomainError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "y" => Ok(true),
        "false" | "0" | "n" => Ok(false),
        _ => Err(DomainError::invalid(name, "true or false expected")),
    }
}

pub(super) fn time(f: &Fields, name: &str) -> Result<Option<Timestamp>, DomainError> {
    given(f, name).map(|t| Timestamp::parse(name, t)).transpose()
}

pub fn decode(f: &Fields) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let search = match f.text("search") {
        Some(s) if !s.is_empty() => Some(Text::parse("search", s)?.as_str().to_lowercase()),
        _ => None,
    };
    let blocked = given(f, "status")
        .map(|s| match s.trim() {
            "active" => Ok(false),
            "blocked" => Ok(true),
            _ => Err(DomainError::invalid("status", "active or blocked expected")),
        })
        .transpose()?;
    let filter = UserFilter {
        search,
        blocked,
        active: given(f, "active").map(|v| boolean("active", v)).transpose()?,
        locked: given(f, "locked").map(|v| boolean("locked", v)).transpose()?,
        email: given(f, "email")
            .map(|e| parse_email("email", e.trim()))
            .transpose()?
            .map(|e| e.as_str().to_ascii_lowercase()),
        group: given(f, "group_name").map(|g| Group::parse("group_name", g.trim())).transpose()?,
        permission: given(f, "permission")
            .map(|p| Permission::parse("permission", p.trim()).map(HeldPermission::new))
            .transpose()?,
        created_after: time(f, "created_after")?,
        created_before: time(f, "created_before")?,
        last_login_before: time(f, "last_login_before")?,
    };
    let sort = given(f, "sort").map(|s| UserSort::parse("sort", s.trim())).transpose()?.unwrap_or_default();
    let order = given(f, "order").map(|o| Order::parse("order", o.trim())).transpose()?.unwrap_or_default();
    // Paged only when asked: without paging elements GetUsers answers every match, as it always did.
    let page = if f.present("page_size") || f.present("cursor") {
        Some(PageRequest::parse(given(f, "page_size"), given(f, "cursor"))?)
    } else {
        None
    };
    Ok(Request::GetUsers { token, query: Box::new(UserQuery { filter, sort, order, page }) })
}

/// The paged answer's tail: `total`, then `next_cursor` unless this is the last page.
pub fn write_paging(out: &mut String, total: u64, next_cursor: Option<&str>) {
    crate::soap::write::elem(out, "total", &total.to_string());
    if let Some(c) = next_cursor {
        crate::soap::write::elem(out, "next_cursor", c);
    }
}

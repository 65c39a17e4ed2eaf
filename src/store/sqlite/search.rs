//! The SQL of GetUsers' filters and pages, GetAuditEvents, and the audit export and purge. Statements are built
//! from fixed fragments; every value is a bound parameter. Pages are keyset pages: `(sort key, id)` after the
//! cursor's position, served by the indexes of migration 0005, so a deep page costs what the first one costs.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::cursor::{CursorKey, Key, Position};
use super::error::StoreError;
use super::queries::{self, Scope};
use super::rows::{self, USER_SQL};
use crate::domain::DomainError;
use crate::domain::audit::{JobId, Outcome};
use crate::domain::permission::Group;
use crate::domain::search::{
    AuditEvent, AuditFilter, ExportScope, ExportSummary, Order, OutcomeFilter, Page, PageRequest, UserFilter,
    UserQuery, UserSearch, UserSort,
};
use crate::domain::user::{CustomerId, User};
use crate::domain::values::Timestamp;

/// Records removed per purge transaction: short enough that the server's writers barely wait for the lock.
pub(super) const PURGE_BATCH: i64 = 1_000;

/// A WHERE clause under construction: fragments joined by AND, their values bound in order.
struct Where {
    sql: String,
    values: Vec<Value>,
}

impl Where {
    /// Starts with `column = +?1`. Every placeholder is written `+?N`: SQLite 3.54 re-prepares, on every run, a
    /// statement whose ORDER BY or LIMIT meets a bare parameter pinning a column (see queries::LISTS_BY_USER); the
    /// unary plus keeps the index searches and stops that (store test
    /// `page_queries_use_their_indexes_and_are_prepared_once`).
    fn new(column: &str, value: Value) -> Self {
        Where { sql: format!("{column} = +?1"), values: vec![value] }
    }

    /// Adds `fragment`, whose `?` placeholders (in order) take `values`.
    fn and(&mut self, fragment: &str, values: impl IntoIterator<Item = Value>) {
        let mut out = String::with_capacity(fragment.len() + 8);
        let mut values = values.into_iter();
        for c in fragment.chars() {
            if c == '?' {
                self.values.push(values.next().unwrap_or(Value::Null));
                out.push_str(&format!("+?{}", self.values.len()));
            } else {
                out.push(c);
            }
        }
        self.sql.push_str(" AND ");
        self.sql.push_str(&out);
    }

    /// `?N` of the next value to be bound.
    fn next_param(&self) -> usize {
        self.values.len() + 1
    }
}

fn flag(b: bool) -> Value {
    Value::Integer(i64::from(b))
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// The filter's conditions on `users`, beside `customer_id = ?1`.
fn user_where(customer: CustomerId, f: &UserFilter) -> Where {
    let mut w = Where::new("customer_id", Value::Integer(customer.0));
    if let Some(s) = &f.search {
        w.and("instr(search_text, ?) > 0", [text(s)]);
    }
    if let Some(b) = f.blocked {
        w.and("blocked = ?", [flag(b)]);
    }
    if let Some(a) = f.active {
        w.and("active = ?", [flag(a)]);
    }
    if let Some(l) = f.locked {
        w.and("locked = ?", [flag(l)]);
    }
    if let Some(e) = &f.email {
        // Addresses are ASCII (values.rs), so SQLite's ASCII lower() is the whole case fold.
        w.and("lower(email) = ?", [text(e)]);
    }
    if let Some(g) = f.group {
        w.and(
            "EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = users.id AND g.group_name = ?)",
            [text(g.as_str())],
        );
    }
    if let Some(p) = &f.permission {
        let groups =
            serde_json::to_string(&p.groups.iter().map(|g| g.as_str()).collect::<Vec<_>>()).unwrap_or_default();
        let name = p.permission.as_str();
        // Owners hold everything whatever their forbids; anyone else holds it through a group that grants it or a
        // grant of its own, unless a forbid without zones takes it away (Access::grants).
        w.and(
            "(EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = users.id AND g.group_name = ?) \
             OR (NOT EXISTS (SELECT 1 FROM user_forbids f WHERE f.user_id = users.id AND f.name = ? \
             AND NOT EXISTS (SELECT 1 FROM user_forbid_zones z WHERE z.user_id = f.user_id \
             AND z.forbid_position = f.position)) \
             AND (EXISTS (SELECT 1 FROM user_permissions p WHERE p.user_id = users.id AND p.permission = ?) \
             OR EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = users.id \
             AND g.group_name IN (SELECT value FROM json_each(?))))))",
            [text(Group::Owner.as_str()), text(name), text(name), Value::Text(groups)],
        );
    }
    if let Some(t) = f.created_after {
        w.and("created_at > ?", [Value::Integer(t.0)]);
    }
    if let Some(t) = f.created_before {
        w.and("created_at < ?", [Value::Integer(t.0)]);
    }
    if let Some(t) = f.last_login_before {
        w.and("coalesce(last_login_at, 0) < ?", [Value::Integer(t.0)]);
    }
    w
}

/// The sort key's SQL: the very expressions the indexes of 0001 and 0005 are built on.
fn sort_expr(sort: UserSort) -> &'static str {
    match sort {
        UserSort::UserName => "user_name_key",
        UserSort::CreatedAt => "created_at",
        UserSort::LastLoginAt => "coalesce(last_login_at, 0)",
    }
}

fn sort_key(sort: UserSort, u: &User) -> Key {
    match sort {
        UserSort::UserName => Key::Text(u.user_name.key()),
        UserSort::CreatedAt => Key::Int(u.created_at.0),
        UserSort::LastLoginAt => Key::Int(u.last_login_at.map_or(0, |t| t.0)),
    }
}

/// What a user cursor is bound to: the customer, the filter, the sort and the order.
fn user_scope(customer: CustomerId, q: &UserQuery) -> String {
    format!("users|{}|{:?}|{}|{}", customer.0, q.filter, q.sort.as_str(), q.order.as_str())
}

fn audit_scope(customer: CustomerId, f: &AuditFilter) -> String {
    format!("audit|{}|{f:?}", customer.0)
}

fn key_value(key: Key) -> Value {
    match key {
        Key::Text(t) => Value::Text(t),
        Key::Int(n) => Value::Integer(n),
    }
}

/// `(key, id)` after `pos` in `order`. The separate bound on the key alone gives the planner a range on the index
/// (with only the row value it scanned an expression index from the customer's first entry).
fn after(w: &mut Where, expr: &str, order: Order, pos: Position) {
    let (cmp, cmp_eq) = match order {
        Order::Asc => (">", ">="),
        Order::Desc => ("<", "<="),
    };
    let key = key_value(pos.key);
    w.and(&format!("{expr} {cmp_eq} ? AND ({expr}, id) {cmp} (?, ?)"), [key.clone(), key, Value::Integer(pos.id)]);
}

fn count(conn: &Connection, table: &str, w: &Where) -> Result<u64, StoreError> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {}", w.sql);
    let n: i64 = conn.prepare_cached(&sql)?.query_row(params_from_iter(&w.values), |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The page statement of `q` (after its cursor, if any) and its values; `wanted` rows are asked for plus one, which
/// says whether more follow.
pub(super) fn user_page_sql(
    key: &CursorKey,
    customer: CustomerId,
    q: &UserQuery,
    wanted: u64,
) -> Result<(String, Vec<Value>), StoreError> {
    let expr = sort_expr(q.sort);
    let mut w = user_where(customer, &q.filter);
    if let Some(c) = q.page.as_ref().and_then(|p| p.cursor.as_deref()) {
        let pos = key.open(&user_scope(customer, q), c).map_err(StoreError::Rejected)?;
        after(&mut w, expr, q.order, pos);
    }
    let dir = match q.order {
        Order::Asc => "ASC",
        Order::Desc => "DESC",
    };
    let sql = format!("{} WHERE {} ORDER BY {expr} {dir}, id {dir} LIMIT +?{}", USER_SQL.select, w.sql, w.next_param());
    let mut values = w.values;
    values.push(Value::Integer(i64::try_from(wanted.saturating_add(1)).unwrap_or(i64::MAX)));
    Ok((sql, values))
}

/// GetUsers: one page after the cursor (`total` counts every match), or unpaged every match up to `limit`.
pub(super) fn query_users(
    conn: &Connection,
    key: &CursorKey,
    customer: CustomerId,
    q: &UserQuery,
    limit: u64,
) -> Result<UserSearch, StoreError> {
    let wanted = match &q.page {
        Some(p) => u64::from(p.size),
        None => limit,
    };
    let (sql, values) = user_page_sql(key, customer, q, wanted)?;
    let mut users = Vec::new();
    {
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut found = stmt.query(params_from_iter(&values))?;
        while let Some(row) = found.next()? {
            users.push(rows::user_from_row(row)?);
        }
    }
    let filter = user_where(customer, &q.filter);
    let more = users.len() as u64 > wanted;
    if more && q.page.is_none() {
        return Ok(UserSearch::TooMany(count(conn, "users", &filter)?));
    }
    users.truncate(usize::try_from(wanted).unwrap_or(usize::MAX));
    if !users.is_empty() {
        let ids = users.iter().map(|u| u.id.0.to_string()).collect::<Vec<_>>().join(",");
        queries::load_access(conn, &Scope::Users(format!("[{ids}]")), &mut users)?;
    }
    let (total, next_cursor) = match &q.page {
        None => (users.len() as u64, None),
        Some(_) => {
            let scope = user_scope(customer, q);
            let next = users
                .last()
                .filter(|_| more)
                .map(|u| key.seal(&scope, &Position { key: sort_key(q.sort, u), id: u.id.0 }));
            (count(conn, "users", &filter)?, next)
        }
    };
    Ok(UserSearch::Page(Page { items: users, total, next_cursor }))
}

const AUDIT_SELECT: &str = "SELECT a.id, a.at, c.name, a.actor_name, a.operation, a.target, a.outcome, r.info, \
     a.changed, a.client_addr, a.correlation_id FROM audit a LEFT JOIN job_results r ON r.job_id = a.id \
     LEFT JOIN customers c ON c.id = a.customer_id";

fn event_from_row(row: &rusqlite::Row<'_>) -> Result<AuditEvent, StoreError> {
    let changed: String = row.get(8)?;
    Ok(AuditEvent {
        job: JobId(row.get(0)?),
        at: Timestamp(row.get(1)?),
        customer: row.get(2)?,
        actor: row.get(3)?,
        operation: row.get(4)?,
        target: row.get(5)?,
        outcome: Outcome::parse(&row.get::<_, String>(6)?),
        info: row.get(7)?,
        changed: changed.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
        client_addr: row.get(9)?,
        correlation_id: row.get(10)?,
    })
}

fn audit_where(customer: CustomerId, f: &AuditFilter) -> Where {
    let mut w = Where::new("a.customer_id", Value::Integer(customer.0));
    if let Some(a) = &f.actor {
        w.and("lower(a.actor_name) = ?", [text(a)]);
    }
    if let Some(t) = &f.target {
        w.and("lower(a.target) = ?", [text(t)]);
    }
    if let Some(o) = &f.operation {
        w.and("a.operation = ?", [text(o)]);
    }
    match f.outcome {
        Some(OutcomeFilter::Success) => w.and("a.outcome = 'success'", []),
        Some(OutcomeFilter::Failure) => w.and("a.outcome <> 'success'", []),
        None => {}
    }
    if let Some(c) = &f.correlation_id {
        w.and("a.correlation_id = ?", [text(c)]);
    }
    if let Some(t) = f.since {
        w.and("a.at >= ?", [Value::Integer(t.0)]);
    }
    if let Some(t) = f.until {
        w.and("a.at < ?", [Value::Integer(t.0)]);
    }
    w
}

/// GetAuditEvents: newest first (job id descending), one page after the cursor.
pub(super) fn audit_events(
    conn: &Connection,
    key: &CursorKey,
    customer: CustomerId,
    f: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditEvent>, StoreError> {
    let scope = audit_scope(customer, f);
    let filter = audit_where(customer, f);
    let mut w = audit_where(customer, f);
    if let Some(c) = &page.cursor {
        let pos = key.open(&scope, c).map_err(StoreError::Rejected)?;
        w.and("a.id < ?", [Value::Integer(pos.id)]);
    }
    let sql = format!("{AUDIT_SELECT} WHERE {} ORDER BY a.id DESC LIMIT +?{}", w.sql, w.next_param());
    let mut values = w.values;
    values.push(Value::Integer(i64::from(page.size) + 1));
    let mut events = Vec::new();
    {
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut found = stmt.query(params_from_iter(&values))?;
        while let Some(row) = found.next()? {
            events.push(event_from_row(row)?);
        }
    }
    let more = events.len() > page.size as usize;
    events.truncate(page.size as usize);
    let next_cursor =
        events.last().filter(|_| more).map(|e| key.seal(&scope, &Position { key: Key::Int(0), id: e.job.0 }));
    let sql = format!("SELECT COUNT(*) FROM audit a WHERE {}", filter.sql);
    let total: i64 = conn.prepare_cached(&sql)?.query_row(params_from_iter(&filter.values), |r| r.get(0))?;
    Ok(Page { items: events, total: u64::try_from(total).unwrap_or(0), next_cursor })
}

/// Streams the records of `scope`, oldest first, into `sink`; the caller holds one read snapshot around it.
pub(super) fn export_audit(
    conn: &Connection,
    scope: ExportScope,
    sink: &mut dyn FnMut(&AuditEvent) -> Result<(), DomainError>,
) -> Result<ExportSummary, StoreError> {
    let sql =
        format!("{AUDIT_SELECT} WHERE (?1 IS NULL OR a.customer_id = ?1) AND (?2 IS NULL OR a.at >= ?2) ORDER BY a.id");
    let mut stmt = conn.prepare(&sql)?;
    let mut found = stmt.query(params![scope.customer.map(|c| c.0), scope.since.map(|t| t.0)])?;
    let mut summary = ExportSummary::default();
    while let Some(row) = found.next()? {
        let event = event_from_row(row)?;
        sink(&event).map_err(StoreError::Rejected)?;
        summary.rows += 1;
        summary.max_job = Some(event.job);
    }
    Ok(summary)
}

pub(super) fn record_export(
    conn: &Connection,
    scope: ExportScope,
    at: Timestamp,
    summary: ExportSummary,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit_exports (at, customer_id, since, max_job_id, row_count) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        at.0,
        scope.customer.map(|c| c.0),
        scope.since.map(|t| t.0),
        summary.max_job.map(|j| j.0),
        i64::try_from(summary.rows).unwrap_or(i64::MAX),
    ])?;
    Ok(())
}

/// The records a purge before `before` would remove: the newest id and the oldest time among them.
pub(super) fn purge_span(conn: &Connection, before: Timestamp) -> Result<Option<(i64, i64)>, StoreError> {
    let span: (Option<i64>, Option<i64>) = conn
        .prepare_cached("SELECT max(id), min(at) FROM audit WHERE at < ?1")?
        .query_row([before.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(match span {
        (Some(newest), Some(oldest_at)) => Some((newest, oldest_at)),
        _ => None,
    })
}

/// Whether an all-customer export reached `newest` and started at or before `oldest_at`.
pub(super) fn exported(conn: &Connection, newest: i64, oldest_at: i64) -> Result<bool, StoreError> {
    let found = conn
        .prepare_cached(
            "SELECT 1 FROM audit_exports WHERE customer_id IS NULL AND max_job_id >= ?1 \
             AND (since IS NULL OR since <= ?2) LIMIT 1",
        )?
        .query_row([newest, oldest_at], |_| Ok(()))
        .optional()?;
    Ok(found.is_some())
}

/// Removes up to `PURGE_BATCH` records from before `before` (ids up to `up_to`) with their results; returns how
/// many. The permit row lets the triggers of 0005 allow exactly these deletes, and goes in the same transaction.
pub(super) fn purge_batch(conn: &Connection, before: Timestamp, up_to: i64) -> Result<u64, StoreError> {
    conn.prepare_cached("INSERT INTO audit_purge_permit (up_to) VALUES (?1)")?.execute([up_to])?;
    let ids = "SELECT id FROM audit WHERE at < ?1 AND id <= ?2 ORDER BY id LIMIT ?3";
    // Results first: they reference their record.
    conn.prepare_cached(&format!("DELETE FROM job_results WHERE job_id IN ({ids})"))?.execute(params![
        before.0,
        up_to,
        PURGE_BATCH
    ])?;
    let n = conn.prepare_cached(&format!("DELETE FROM audit WHERE id IN ({ids})"))?.execute(params![
        before.0,
        up_to,
        PURGE_BATCH
    ])?;
    conn.prepare_cached("DELETE FROM audit_purge_permit")?.execute([])?;
    Ok(n as u64)
}

pub(super) fn cursor_secret(conn: &Connection) -> Result<Vec<u8>, StoreError> {
    Ok(conn.prepare_cached("SELECT key FROM cursor_secret WHERE id = 1")?.query_row([], |r| r.get(0))?)
}

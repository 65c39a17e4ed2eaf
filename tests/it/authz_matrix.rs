//! The authorization matrix: every operation of wsdl/usergate.wsdl against five callers (the owner, a user holding
//! the operation's permission, one without it, a user of another customer, the target itself), table-driven. The
//! table must name every operation the WSDL has, so a new operation cannot ship without its row.

use std::collections::BTreeSet;

use crate::helpers::{OWNER_PASSWORD, TestApp, user_children};

const PW: &str = "matrix-pass-1";

/// The five kinds of caller, in the order of a row's outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The customer's owner acting on a plain user.
    Owner,
    /// A plain user granted just the operation's permission (or, where the DEFAULT group grants it, any user).
    With,
    /// A user without the permission (a forbid where DEFAULT would grant it).
    Without,
    /// The owner of another customer naming a user of this one.
    OtherCustomer,
    /// The user holding the permission, acting on itself.
    Own,
}

/// The expected answer: success, or a failure with this err_cd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Pass,
    Fails(&'static str),
}

use Expect::{Fails, Pass};

const DENIED: Expect = Fails("PERMISSION_DENIED");
const NOT_FOUND: Expect = Fails("NOT_FOUND");
const BAD_LOGIN: Expect = Fails("INVALID_DATA");
const ILLEGAL: Expect = Fails("ILLEGAL_OPERATION");
const EXISTS: Expect = Fails("TARGET_EXISTS");

/// One row: the operation, the permission that gates it (None: any live session), and the outcome per role in
/// the order `Role` declares them.
struct Row {
    op: &'static str,
    permission: Option<&'static str>,
    expect: [Expect; 5],
}

const fn row(op: &'static str, permission: Option<&'static str>, expect: [Expect; 5]) -> Row {
    Row { op, permission, expect }
}

// Outcomes in the order of `Role`: owner, with, without, other customer, self.
const MATRIX: &[Row] = &[
    // Logging in is the caller's own act: "other customer" is its owner naming this customer.
    row("SessionLogin", Some("UserLogin"), [Pass, Pass, BAD_LOGIN, BAD_LOGIN, Pass]),
    row("SessionLogout", None, [Pass, Pass, Pass, Pass, Pass]),
    row("SessionIsAlive", None, [Pass, Pass, Pass, Pass, Pass]),
    row("SessionKeepAlive", None, [Pass, Pass, Pass, Pass, Pass]),
    // Another customer's owner creates the name in its own customer: no clash with this one's user.
    row("CreateUser", Some("UserAdd"), [Pass, Pass, DENIED, Pass, EXISTS]),
    row("GetUser", Some("UserGet"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("GetUsers", Some("UserGet"), [Pass, Pass, DENIED, Pass, Pass]),
    row("UpdateUser", Some("UserUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("BlockUser", Some("UserBlock"), [Pass, Pass, DENIED, NOT_FOUND, ILLEGAL]),
    row("UnblockUser", Some("UserUnblock"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("DeleteUser", Some("UserDelete"), [Pass, Pass, DENIED, NOT_FOUND, ILLEGAL]),
    // The caller's own password only: every role changes its own.
    row("UpdateUserPassword", Some("UserChangepw"), [Pass, Pass, DENIED, Pass, Pass]),
    // Access lists: PermissionUpdate, on a user the caller may manage, granting only what the caller holds.
    row("AddUserGroups", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("SetUserGroups", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("RemoveUserGroups", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("AddUserZones", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("SetUserZones", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("RemoveUserZones", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("AddUserPermissions", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("SetUserPermissions", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("RemoveUserPermissions", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("AddUserForbids", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("SetUserForbids", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    row("RemoveUserForbids", Some("PermissionUpdate"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    // Another user's report needs PermissionGet; one's own needs nothing.
    row("GetUserPermissions", Some("PermissionGet"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    // About the caller itself: no gate.
    row("CheckPermissions", None, [Pass, Pass, Pass, Pass, Pass]),
    // Any job of the caller's customer (the user data only to its actor or with UserGet, which get_job.rs tests); the
    // target is the job that created the target user, and for "self" the one that created the caller.
    row("GetJob", None, [Pass, Pass, Pass, NOT_FOUND, Pass]),
    // DDNS update users: the target is an update user of this customer (names are generated, so creating one never
    // clashes); "self" names the caller, an ordinary user, which is no update user. GetUpdateUsers lists the
    // caller's own customer (no UpdateUserGet exists: UserGet gates it).
    row("CreateUpdateUser", Some("UpdateUserAdd"), [Pass, Pass, DENIED, Pass, Pass]),
    row("GetUpdateUsers", Some("UserGet"), [Pass, Pass, DENIED, Pass, Pass]),
    row("UpdateUpdateUser", Some("UpdateUserUpdate"), [Pass, Pass, DENIED, NOT_FOUND, NOT_FOUND]),
    row("GetUpdateUserPassword", Some("UserAuthGetPW"), [Pass, Pass, DENIED, NOT_FOUND, NOT_FOUND]),
    row("DeleteOneUpdateUser", Some("UpdateUserDelete"), [Pass, Pass, DENIED, NOT_FOUND, NOT_FOUND]),
    // Lifecycle: deactivating takes a user out of service as deleting would, so UserDelete gates both directions;
    // nobody deactivates itself, and reactivating oneself (active already) changes nothing.
    row("DeactivateUser", Some("UserDelete"), [Pass, Pass, DENIED, NOT_FOUND, ILLEGAL]),
    row("ReactivateUser", Some("UserDelete"), [Pass, Pass, DENIED, NOT_FOUND, Pass]),
    // The caller's own record: any live session; "other customer" reads or edits its own.
    row("GetCurrentUser", None, [Pass, Pass, Pass, Pass, Pass]),
    row("UpdateCurrentUser", None, [Pass, Pass, Pass, Pass, Pass]),
    // The audit of the caller's own customer (owners, PermissionGet); another customer's owner finds none of ours.
    row("GetAuditEvents", Some("PermissionGet"), [Pass, Pass, DENIED, Pass, Pass]),
];

/// Operations on DDNS update users: their target is an update user, made for the cell.
fn on_update_user(op: &str) -> bool {
    matches!(op, "UpdateUpdateUser" | "GetUpdateUserPassword" | "DeleteOneUpdateUser" | "GetUpdateUsers")
}

/// The one list item each access-list operation sends: values every caller here may grant, so that the cell is
/// about the gate and the target, not about escalation (tests/it/escalation.rs and user_lists.rs cover that).
fn access_item(op: &str) -> Option<&'static str> {
    let list = op.strip_prefix("Add").or_else(|| op.strip_prefix("Set")).or_else(|| op.strip_prefix("Remove"))?;
    Some(match list {
        // DEFAULT can be added and set (it is there already) but never removed; READONLY is not there to remove.
        "UserGroups" if op.starts_with("Remove") => "<group_name>READONLY</group_name>",
        "UserGroups" => "<group_name>DEFAULT</group_name>",
        "UserZones" => "<zone><zone_name>example.org</zone_name></zone>",
        "UserPermissions" => "<permission>PermissionUpdate</permission>",
        "UserForbids" => "<forbid><name>UserGet</name></forbid>",
        _ => return None,
    })
}

/// Permissions every user has through the DEFAULT group: "without" needs a forbid for them.
const DEFAULT_GRANTS: &[&str] = &["UserLogin", "UserChangepw"];

fn wsdl_operations() -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/wsdl/usergate.wsdl")).expect("wsdl");
    text.split("soapAction=\"urn:usergate:1#").skip(1).filter_map(|s| s.split('"').next()).map(str::to_owned).collect()
}

#[test]
fn the_matrix_covers_every_wsdl_operation() {
    let in_table: BTreeSet<String> = MATRIX.iter().map(|r| r.op.to_owned()).collect();
    assert_eq!(in_table.len(), MATRIX.len(), "an operation is listed twice");
    assert_eq!(in_table, wsdl_operations(), "the matrix and wsdl/usergate.wsdl must list the same operations");
}

/// The caller of one cell: its name, customer and password.
struct Caller {
    customer: &'static str,
    name: String,
    password: String,
}

/// What one cell found: the differences from the table, and whether the caller's password changed.
struct Outcome {
    failures: Vec<String>,
    password_changed: bool,
}

/// Runs one cell: a fresh target (and, for the per-cell roles, a fresh caller), then the operation.
async fn cell(app: &TestApp, setup: &str, i: usize, r: &Row, role: Role, expected: Expect, caller: Caller) -> Outcome {
    let mut target = format!("t{i}{}", role as u8);
    // Every cell acts on a fresh plain user (or update user), so other cells (a delete, a block) cannot change its
    // outcome; CreateUser's target is new, except for the other customer, whose name must not clash with ours.
    let mut target_job = String::new();
    if on_update_user(r.op) {
        let c = app.call("CreateUpdateUser", &format!("<token>{setup}</token><nickname>{target}</nickname>")).await;
        assert!(c.is_success(), "{}", c.body);
        target = c.data_field("user_name").unwrap();
    } else if r.op != "CreateUser" || role == Role::OtherCustomer {
        let c = app.create_user(setup, &target, PW, "").await;
        assert!(c.is_success(), "{}", c.body);
        target_job = c.field("job_id").unwrap();
    }
    if matches!(role, Role::With | Role::Own | Role::Without) {
        let grant = match (role, r.permission) {
            (Role::Without, Some(p)) if DEFAULT_GRANTS.contains(&p) => format!("<forbid><name>{p}</name></forbid>"),
            (Role::Without, _) => String::new(),
            (_, Some(p)) if !DEFAULT_GRANTS.contains(&p) => format!("<permission>{p}</permission>"),
            _ => String::new(),
        };
        let c = app.create_user(setup, &caller.name, PW, &grant).await;
        assert!(c.is_success(), "{}", c.body);
        if role == Role::Own {
            target_job = c.field("job_id").unwrap();
        }
    }
    let target = if role == Role::Own { caller.name.clone() } else { target };
    let resp = if r.op == "SessionLogin" {
        // customer_name is always this customer: the other customer's owner does not exist here.
        app.login("default", &caller.name, &caller.password).await
    } else {
        let token = app.token(caller.customer, &caller.name, &caller.password).await;
        let children = match r.op {
            "CreateUser" => user_children(&token, &target, PW, ""),
            "GetUsers" | "SessionLogout" | "SessionIsAlive" | "SessionKeepAlive" | "GetCurrentUser" => {
                format!("<token>{token}</token>")
            }
            "UpdateCurrentUser" => format!("<token>{token}</token><city>X</city>"),
            "UpdateUser" => format!("<token>{token}</token><user_name>{target}</user_name><city>X</city>"),
            "CreateUpdateUser" | "GetUpdateUsers" => format!("<token>{token}</token>"),
            "UpdateUpdateUser" => format!("<token>{token}</token><user_name>{target}</user_name><block>true</block>"),
            "CheckPermissions" => format!("<token>{token}</token><permission>UserGet</permission>"),
            "GetJob" => format!("<token>{token}</token><job_id>{target_job}</job_id>"),
            "GetAuditEvents" => format!("<token>{token}</token><target>{target}</target>"),
            op if access_item(op).is_some() => {
                let item = access_item(op).unwrap_or_default();
                format!("<token>{token}</token><user_name>{target}</user_name>{item}")
            }
            "UpdateUserPassword" => {
                let old = &caller.password;
                format!("<token>{token}</token><old_password>{old}</old_password><password>new-{PW}</password>")
            }
            _ => format!("<token>{token}</token><user_name>{target}</user_name>"),
        };
        app.call(r.op, &children).await
    };
    let mut failures = Vec::new();
    // Listing from another customer succeeds, and shows none of this customer's users.
    if matches!(r.op, "GetUsers" | "GetUpdateUsers" | "GetAuditEvents")
        && role == Role::OtherCustomer
        && resp.body.contains(&format!(">{target}<"))
    {
        failures.push(format!("{} as OtherCustomer lists {target} of another customer", r.op));
    }
    let as_expected = match expected {
        Pass => resp.is_success(),
        Fails(code) => !resp.is_success() && resp.err_cd().as_deref() == Some(code),
    };
    if !as_expected {
        let got = resp.err_cd().unwrap_or_else(|| "success".into());
        failures.push(format!("{} as {role:?}: expected {expected:?}, got {got}: {}", r.op, resp.info()));
    }
    Outcome { failures, password_changed: r.op == "UpdateUserPassword" && resp.is_success() }
}

#[tokio::test]
async fn every_operation_against_every_kind_of_caller() {
    // Many logins from one address in a few seconds: the per-source limit is another test's subject.
    let app = TestApp::spawn_with(|s| s.login_rate_per_minute = 0).await;
    // Cells are set up by a second owner, so that the owner's own cells (a logout, a password change that ends
    // its other sessions) cannot pull the ground from under the rest.
    let first = app.owner_token().await;
    assert!(app.create_user(&first, "setup", PW, "<group_name>OWNER</group_name>").await.is_success());
    let setup = app.token("default", "setup", PW).await;
    {
        let store = usergate::store::sqlite::SqliteStore::open(&app.db_path()).unwrap();
        let hasher = usergate::auth::password::PasswordHasher::new(1).unwrap();
        usergate::admin::create_owner(&store, &hasher, crate::helpers::target("other", "stranger", PW)).unwrap();
    }
    // The two callers that live across rows, with their passwords: UpdateUserPassword changes them, and later rows
    // log in with the new one. The other roles are fresh users in every cell.
    let (mut owner_pw, mut stranger_pw) = (OWNER_PASSWORD.to_owned(), PW.to_owned());
    let mut failures = Vec::new();
    for (i, r) in MATRIX.iter().enumerate() {
        let caller = |role: Role| match role {
            Role::Owner => Caller { customer: "default", name: "owner".into(), password: owner_pw.clone() },
            Role::OtherCustomer => Caller { customer: "other", name: "stranger".into(), password: stranger_pw.clone() },
            _ => Caller { customer: "default", name: format!("c{i}{}", role as u8), password: PW.into() },
        };
        let [e0, e1, e2, e3, e4] = r.expect;
        // A row's five cells touch disjoint users: run them side by side.
        let (owner, with, without, other, own) = tokio::join!(
            cell(&app, &setup, i, r, Role::Owner, e0, caller(Role::Owner)),
            cell(&app, &setup, i, r, Role::With, e1, caller(Role::With)),
            cell(&app, &setup, i, r, Role::Without, e2, caller(Role::Without)),
            cell(&app, &setup, i, r, Role::OtherCustomer, e3, caller(Role::OtherCustomer)),
            cell(&app, &setup, i, r, Role::Own, e4, caller(Role::Own)),
        );
        if owner.password_changed {
            owner_pw = format!("new-{PW}");
        }
        if other.password_changed {
            stranger_pw = format!("new-{PW}");
        }
        for o in [owner, with, without, other, own] {
            failures.extend(o.failures);
        }
    }
    assert!(failures.is_empty(), "{} cells differ:\n{}", failures.len(), failures.join("\n"));
}

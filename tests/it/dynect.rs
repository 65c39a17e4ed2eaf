//! The DynECT profile over HTTP: both generations (2.3.1's shapes for 2.x namespaces, 3.x's for 3.x), every
//! operation under its DynECT name, answers in the request's namespace, and the profile's bad-input cases.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use crate::helpers::{OWNER_PASSWORD, Resp, TestApp};

pub const V2: &str = "https://api2.dynect.net/wsdl/2.3.1/Dynect/";
pub const V3: &str = "https://api2.dynect.net/wsdl/3.7.16/Dynect/";
/// Every DynECT operation shares one SOAPAction (Dyn's WSDL); dispatch is on the body.
const DYN_ACTION: &str = "\"https://api2.dynect.net/SOAP/\"";

pub fn dyn_envelope(ns: &str, op: &str, children: &str) -> String {
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:d=\"{ns}\">\
         <soapenv:Body><d:{op}Request>{children}</d:{op}Request></soapenv:Body></soapenv:Envelope>"
    )
}

pub async fn dyn_call(app: &TestApp, ns: &str, op: &str, children: &str) -> Resp {
    app.post_xml(&dyn_envelope(ns, op, children), Some(DYN_ACTION)).await
}

async fn dyn_token(app: &TestApp, ns: &str, user: &str, password: &str) -> String {
    let c =
        format!("<user_name>{user}</user_name><customer_name>default</customer_name><password>{password}</password>");
    let r = dyn_call(app, ns, "SessionLogin", &c).await;
    assert!(r.is_success(), "login {user}: {}", r.body);
    r.field("token").expect("token")
}

/// The response element's namespace and local name, and the local names of the first `data`'s children in order.
fn shape(body: &str) -> (String, String, Vec<String>) {
    let mut r = NsReader::from_str(body);
    r.config_mut().expand_empty_elements = true;
    let (mut root, mut depth, mut in_data, mut names) = ((String::new(), String::new()), 0, 0, Vec::new());
    loop {
        let (res, ev) = r.read_resolved_event().expect("xml");
        match ev {
            Event::Start(e) => {
                depth += 1;
                let local = e.local_name();
                let local: String = AsRef::<str>::as_ref(&local).to_owned();
                if depth == 3 {
                    let ns = match res {
                        ResolveResult::Bound(n) => n.0.to_owned(),
                        _ => String::new(),
                    };
                    root = (ns, local.clone());
                }
                if depth == 4 && local == "data" && in_data == 0 && names.is_empty() {
                    in_data = depth;
                } else if in_data > 0 && depth == in_data + 1 {
                    names.push(local);
                }
            }
            Event::End(_) => {
                if depth == in_data {
                    in_data = -1;
                }
                depth -= 1;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (root.0, root.1, names)
}

fn required_profile(name: &str) -> String {
    format!(
        "<nickname>{name}</nickname><first_name>First</first_name><last_name>Last</last_name>\
         <email>{name}@example.org</email><organization>Org</organization>"
    )
}

const DYN2_USER_DATA: &[&str] = &[
    "user_name",
    "roles",
    "nickname",
    "first_name",
    "last_name",
    "phone",
    "email",
    "city",
    "organization",
    "daan",
    "status",
];

#[tokio::test]
async fn dynect2_lifecycle_in_2_3_1_shapes() {
    let app = TestApp::spawn().await;
    let login = dyn_call(
        &app,
        V2,
        "SessionLogin",
        &format!(
            "<user_name>owner</user_name><customer_name>default</customer_name><password>{OWNER_PASSWORD}</password>"
        ),
    )
    .await;
    assert!(login.is_success(), "{}", login.body);
    assert_eq!(shape(&login.body).0, V2);
    assert_eq!(shape(&login.body).1, "SessionLoginResponse");
    assert_eq!(login.data_field("version").as_deref(), Some("2.3.1"), "the API version the client speaks");
    let token = login.field("token").expect("token");

    // pin is accepted and ignored; roles carries the groups comma-joined.
    let c = format!(
        "<token>{token}</token><user_name>dyn2</user_name><password>dyn2-pass-1</password><pin>1234</pin>\
         <roles>ADMIN, READONLY</roles>{}<phone>+1 603 555 0100</phone><city>Keene</city>",
        required_profile("dyn2")
    );
    let created = dyn_call(&app, V2, "CreateUser", &c).await;
    assert!(created.is_success(), "{}", created.body);
    let (ns, root, names) = shape(&created.body);
    assert_eq!((ns.as_str(), root.as_str()), (V2, "CreateUserResponse"));
    assert_eq!(names, DYN2_USER_DATA, "2.3.1 UserData order, native-only fields left out");
    assert_eq!(created.data_field("roles").as_deref(), Some("ADMIN,READONLY,DEFAULT"));
    assert_eq!(created.data_field("daan").as_deref(), Some("0"));
    for native in ["user_id", "uid", "version", "active", "locked", "created_at", "group_name", "pin", "password"] {
        assert!(!created.body.contains(&format!("<{native}>")), "{native} in a 2.3.1 answer: {}", created.body);
    }

    let got = dyn_call(&app, V2, "GetOneUser", &format!("<token>{token}</token><user_name>dyn2</user_name>")).await;
    assert!(got.is_success(), "{}", got.body);
    assert_eq!(shape(&got.body).1, "GetOneUserResponse");
    assert_eq!(shape(&got.body).2, DYN2_USER_DATA);

    let list = dyn_call(&app, V2, "GetUsers", &format!("<token>{token}</token>")).await;
    assert!(list.is_success(), "{}", list.body);
    assert_eq!(list.fields("user_name"), ["dyn2", "owner"], "repeated data, one per user");
    assert_eq!(list.body.matches("<data>").count(), 2);

    let c = format!(
        "<token>{token}</token><user_name>dyn2</user_name><newuser_name>dyn2b</newuser_name><roles>READONLY</roles><city></city>"
    );
    let updated = dyn_call(&app, V2, "UpdateUser", &c).await;
    assert!(updated.is_success(), "{}", updated.body);
    assert_eq!(shape(&updated.body).1, "UpdateUserResponse");
    assert_eq!(updated.data_field("user_name").as_deref(), Some("dyn2b"));
    assert_eq!(updated.data_field("roles").as_deref(), Some("READONLY,DEFAULT"));
    assert_eq!(updated.data_field("city"), None, "an empty element clears");

    // The user's own password: the token suffices, no old password in DynECT.
    let user_token = dyn_token(&app, V2, "dyn2b", "dyn2-pass-1").await;
    let c = format!("<token>{user_token}</token><password>dyn2-pass-2</password>");
    let changed = dyn_call(&app, V2, "UpdateUserPassword", &c).await;
    assert!(changed.is_success(), "{}", changed.body);
    assert_eq!(
        shape(&changed.body).2,
        [
            "user_name",
            "roles",
            "nickname",
            "first_name",
            "last_name",
            "phone",
            "email",
            "organization",
            "daan",
            "status"
        ]
    );
    dyn_token(&app, V2, "dyn2b", "dyn2-pass-2").await;

    for op in ["SessionIsAlive", "SessionKeepAlive"] {
        let r = dyn_call(&app, V2, op, &format!("<token>{user_token}</token>")).await;
        assert!(r.is_success(), "{op}: {}", r.body);
        assert_eq!(shape(&r.body).1, format!("{op}Response"));
    }
    let deleted =
        dyn_call(&app, V2, "DeleteOneUser", &format!("<token>{token}</token><user_name>dyn2b</user_name>")).await;
    assert!(deleted.is_success(), "{}", deleted.body);
    assert_eq!(shape(&deleted.body).1, "DeleteOneUserResponse");
    let gone = dyn_call(&app, V2, "GetOneUser", &format!("<token>{token}</token><user_name>dyn2b</user_name>")).await;
    gone.assert_fault("NOT_FOUND", "user_name:");

    let out = dyn_call(&app, V2, "SessionLogout", &format!("<token>{token}</token>")).await;
    assert!(out.is_success(), "{}", out.body);
    assert_eq!(shape(&out.body).1, "SessionLogoutResponse");
    dyn_call(&app, V2, "SessionIsAlive", &format!("<token>{token}</token>"))
        .await
        .assert_fault("INVALID_DATA", "login:");
}

const DYN3_USER_DATA: &[&str] =
    &["user_name", "user_id", "group_name", "nickname", "first_name", "last_name", "email", "organization", "status"];

#[tokio::test]
async fn dynect3_lifecycle_in_3x_shapes() {
    let app = TestApp::spawn().await;
    let token = dyn_token(&app, V3, "owner", OWNER_PASSWORD).await;
    let c = format!(
        "<token>{token}</token><user_name>dyn3</user_name><password>dyn3-pass-1</password>\
         <permission>UserGet</permission><group_name>ADMIN</group_name><zone><zone_name>example.com</zone_name></zone>{}",
        required_profile("dyn3")
    );
    let created = dyn_call(&app, V3, "CreateUser", &c).await;
    assert!(created.is_success(), "{}", created.body);
    let (ns, root, names) = shape(&created.body);
    assert_eq!((ns.as_str(), root.as_str()), (V3, "CreateUserResponse"));
    // 3.x UserData has no permission, zone or forbid (GetUserPermissions answers those); group_name repeats.
    let mut want: Vec<&str> = DYN3_USER_DATA.to_vec();
    want.insert(2, "group_name");
    assert_eq!(names, want);
    assert_eq!(created.fields("group_name"), ["ADMIN", "DEFAULT"]);

    let got = dyn_call(&app, V3, "GetOneUser", &format!("<token>{token}</token><user_name>dyn3</user_name>")).await;
    assert!(got.is_success(), "{}", got.body);
    assert_eq!(shape(&got.body).1, "GetOneUserResponse");

    let list = dyn_call(&app, V3, "GetUsers", &format!("<token>{token}</token><search>DYN</search>")).await;
    assert_eq!(list.fields("user_name"), ["dyn3"], "{}", list.body);

    let c = format!(
        "<token>{token}</token><user_name>dyn3</user_name><new_user_name>dyn3b</new_user_name>\
         <require_pw_change>Y</require_pw_change><group_name>READONLY</group_name><group_name>ADMIN</group_name>"
    );
    let updated = dyn_call(&app, V3, "UpdateUser", &c).await;
    assert!(updated.is_success(), "{}", updated.body);
    assert_eq!(updated.data_field("user_name").as_deref(), Some("dyn3b"));
    assert_eq!(updated.fields("group_name"), ["READONLY", "ADMIN", "DEFAULT"]);
    // require_pw_change is stored; the native answer shows it.
    let native = app.call("GetUser", &format!("<token>{token}</token><user_name>dyn3b</user_name>")).await;
    assert_eq!(native.data_field("require_pw_change").as_deref(), Some("true"), "{}", native.body);

    let blocked = dyn_call(&app, V3, "BlockUser", &format!("<token>{token}</token><user_name>dyn3b</user_name>")).await;
    assert!(blocked.is_success(), "{}", blocked.body);
    assert_eq!(shape(&blocked.body).1, "BlockUserResponse");
    assert_eq!(blocked.data_field("status").as_deref(), Some("blocked"));
    let unblocked =
        dyn_call(&app, V3, "UnblockUser", &format!("<token>{token}</token><user_name>dyn3b</user_name>")).await;
    assert_eq!(unblocked.data_field("status").as_deref(), Some("active"), "{}", unblocked.body);
    // UpdateUser's status does the same.
    let c = format!("<token>{token}</token><user_name>dyn3b</user_name><status>blocked</status>");
    assert_eq!(dyn_call(&app, V3, "UpdateUser", &c).await.data_field("status").as_deref(), Some("blocked"));
    let c = format!("<token>{token}</token><user_name>dyn3b</user_name><status>active</status>");
    assert_eq!(dyn_call(&app, V3, "UpdateUser", &c).await.data_field("status").as_deref(), Some("active"));

    // The flag is honoured: the right password is told to change it (Dyn's SessionLogin has no new_password), until
    // an administrator lifts the flag.
    let login = "<user_name>dyn3b</user_name><customer_name>default</customer_name><password>dyn3-pass-1</password>";
    let refused = dyn_call(&app, V3, "SessionLogin", login).await;
    assert!(refused.info().starts_with("password: must be changed"), "{}", refused.body);
    let c = format!("<token>{token}</token><user_name>dyn3b</user_name><require_pw_change>N</require_pw_change>");
    assert!(dyn_call(&app, V3, "UpdateUser", &c).await.is_success());
    let user_token = dyn_token(&app, V3, "dyn3b", "dyn3-pass-1").await;
    let c = format!("<token>{user_token}</token><password>dyn3-pass-2</password>");
    assert!(dyn_call(&app, V3, "UpdateUserPassword", &c).await.is_success());
    dyn_token(&app, V3, "dyn3b", "dyn3-pass-2").await;

    let deleted =
        dyn_call(&app, V3, "DeleteOneUser", &format!("<token>{token}</token><user_name>dyn3b</user_name>")).await;
    assert!(deleted.is_success(), "{}", deleted.body);
    for op in ["SessionIsAlive", "SessionKeepAlive", "SessionLogout"] {
        let r = dyn_call(&app, V3, op, &format!("<token>{token}</token>")).await;
        assert!(r.is_success(), "{op}: {}", r.body);
    }
}

#[tokio::test]
async fn any_version_of_a_generation_is_answered_in_its_own_namespace() {
    let app = TestApp::spawn().await;
    for (ns, version) in [
        ("https://api2.dynect.net/wsdl/3.7.11/Dynect/", "3.7.11"),
        ("https://api2.dynect.net/wsdl/2.0.0/Dynect/", "2.0.0"),
        ("https://api2.dynect.net/wsdl/3.0.0/Dynect/", "3.0.0"),
    ] {
        let c = format!(
            "<user_name>owner</user_name><customer_name>default</customer_name><password>{OWNER_PASSWORD}</password>"
        );
        let login = dyn_call(&app, ns, "SessionLogin", &c).await;
        assert_eq!(shape(&login.body).0, ns);
        assert_eq!(login.data_field("version").as_deref(), Some(version));
        let token = login.field("token").expect("token");
        let r = dyn_call(&app, ns, "GetOneUser", &format!("<token>{token}</token><user_name>owner</user_name>")).await;
        assert!(r.is_success(), "{}", r.body);
        assert_eq!(shape(&r.body).0, ns);
    }
}

#[tokio::test]
async fn faults_carry_dynects_error_response_in_the_request_namespace() {
    let app = TestApp::spawn().await;
    let token = dyn_token(&app, V2, "owner", OWNER_PASSWORD).await;
    let r = dyn_call(&app, V2, "GetOneUser", &format!("<token>{token}</token><user_name>nobody</user_name>")).await;
    r.assert_fault("NOT_FOUND", "user_name:");
    assert!(
        r.body.contains(&format!("<tns:ErrorResponse xmlns:tns=\"{V2}\" xsi:type=\"tns:ErrorResponseType\">")),
        "{}",
        r.body
    );
    assert!(r.body.contains("<msgs><source>BLL</source><lvl>ERROR</lvl><err_cd>NOT_FOUND</err_cd><info>"));

    // fault_incompat=1: a normal response, named and namespaced as DynECT's, with status=failure.
    let c = format!("<token>{token}</token><fault_incompat>1</fault_incompat><user_name>nobody</user_name>");
    let r = dyn_call(&app, V3, "GetOneUser", &c).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.field("status").as_deref(), Some("failure"));
    assert_eq!(r.err_cd().as_deref(), Some("NOT_FOUND"));
    assert_eq!((shape(&r.body).0.as_str(), shape(&r.body).1.as_str()), (V3, "GetOneUserResponse"));

    // A field error of a DynECT request, with fault_incompat=1.
    let c = format!(
        "<fault_incompat>1</fault_incompat><token>{token}</token><user_name>dyn</user_name><password>x</password>"
    );
    let r = dyn_call(&app, V2, "CreateUser", &c).await;
    assert_eq!((r.status, r.err_cd().as_deref()), (200, Some("MISSING_DATA")), "{}", r.body);
    assert_eq!(shape(&r.body).1, "CreateUserResponse");
}

#[tokio::test]
async fn dynect_bad_input_is_refused_naming_the_field_or_operation() {
    let app = TestApp::spawn().await;
    let token = dyn_token(&app, V3, "owner", OWNER_PASSWORD).await;
    let user = |extra: &str| {
        format!(
            "<token>{token}</token><user_name>x1</user_name><password>x1-pass-123</password>{}{extra}",
            required_profile("x1")
        )
    };
    // Both generations' spellings of one field in one request.
    let both = dyn_call(&app, V3, "CreateUser", &user("<group_name>ADMIN</group_name><roles>READONLY</roles>")).await;
    both.assert_fault("INVALID_DATA", "group_name: given both as group_name and as roles");
    let both = dyn_call(&app, V2, "CreateUser", &user("<roles>READONLY</roles><group_name>ADMIN</group_name>")).await;
    both.assert_fault("INVALID_DATA", "roles: given both as roles and as group_name");
    let c = format!(
        "<token>{token}</token><user_name>owner</user_name><newuser_name>a</newuser_name><new_user_name>b</new_user_name>"
    );
    dyn_call(&app, V3, "UpdateUser", &c).await.assert_fault("INVALID_DATA", "new_user_name: given both");
    dyn_call(&app, V2, "UpdateUser", &c).await.assert_fault("INVALID_DATA", "newuser_name: given both");

    // One spelling of the other generation alone is understood.
    let r = dyn_call(&app, V2, "CreateUser", &user("<group_name>READONLY</group_name>")).await;
    assert_eq!(r.data_field("roles").as_deref(), Some("READONLY,DEFAULT"), "{}", r.body);
    let c = format!("<token>{token}</token><user_name>x1</user_name><roles>ADMIN,READONLY</roles>");
    let r = dyn_call(&app, V3, "UpdateUser", &c).await;
    assert_eq!(r.fields("group_name"), ["ADMIN", "READONLY", "DEFAULT"], "{}", r.body);

    // Native-only fields are not DynECT's, and 2.3.1 lacks 3.x's.
    let r = dyn_call(&app, V3, "CreateUser", &user("<display_name>X</display_name>")).await;
    r.assert_fault("INVALID_DATA", "display_name: unknown element");
    let c = format!("<token>{token}</token><user_name>x1</user_name><status>blocked</status>");
    dyn_call(&app, V2, "UpdateUser", &c).await.assert_fault("INVALID_DATA", "status: unknown element");
    let c = format!("<token>{token}</token><user_name>x1</user_name><require_pw_change>maybe</require_pw_change>");
    dyn_call(&app, V3, "UpdateUser", &c).await.assert_fault("INVALID_DATA", "require_pw_change:");
    let c = format!("<token>{token}</token><old_password>x</old_password><password>new-pass-123</password>");
    dyn_call(&app, V3, "UpdateUserPassword", &c).await.assert_fault("INVALID_DATA", "old_password: unknown element");
    let c = format!("<token>{token}</token><search>x</search>");
    dyn_call(&app, V2, "GetUsers", &c).await.assert_fault("INVALID_DATA", "search: unknown element");
    let c = format!("<token>{token}</token><user_name>x1</user_name><pin>12a</pin>");
    dyn_call(&app, V2, "UpdateUser", &c).await.assert_fault("INVALID_DATA", "pin: an integer expected");

    // Operations outside the list, native names, 3.x-only operations in 2.x, unknown API generations.
    let t = format!("<token>{token}</token>");
    let r = dyn_call(&app, V3, "GetZones", &t).await;
    r.assert_fault("INVALID_REQUEST", "operation: GetZones is not an operation of DynECT API 3.7.16");
    assert!(r.body.contains(&format!("xmlns:tns=\"{V3}\"")), "{}", r.body);
    dyn_call(&app, V3, "GetUser", &t).await.assert_fault("INVALID_REQUEST", "operation: GetUser is not");
    let c = format!("<token>{token}</token><user_name>x1</user_name>");
    dyn_call(&app, V2, "BlockUser", &c).await.assert_fault("INVALID_REQUEST", "operation: BlockUser is not");
    dyn_call(&app, V2, "UnblockUser", &c).await.assert_fault("INVALID_REQUEST", "operation: UnblockUser is not");
    let v4 = "https://api2.dynect.net/wsdl/4.0.0/Dynect/";
    dyn_call(&app, v4, "GetUsers", &t).await.assert_fault("INVALID_VERSION", "version: DynECT API 4.0.0");
    // A namespace that is not a DynECT version at all is just not ours.
    let odd = "https://api2.dynect.net/wsdl/current/Dynect/";
    dyn_call(&app, odd, "GetUsers", &t).await.assert_fault("INVALID_REQUEST", "operation: unknown operation");

    // A native SOAPAction naming another operation than the DynECT body.
    let body = dyn_envelope(V3, "GetOneUser", &c);
    let r = app.post_xml(&body, Some("\"urn:usergate:1#DeleteUser\"")).await;
    r.assert_fault("INVALID_REQUEST", "SOAPAction: names DeleteUser but the body holds GetOneUser");
    let r = app.post_xml(&body, Some("\"urn:usergate:1#GetUser\"")).await;
    assert!(r.is_success(), "the same core operation: {}", r.body);

    // Children qualified with another namespace are not DynECT's fields.
    let c = format!("<token>{token}</token><x:user_name xmlns:x='urn:x'>owner</x:user_name>");
    dyn_call(&app, V3, "GetOneUser", &c).await.assert_fault("INVALID_DATA", "user_name: unknown element");
}

#[tokio::test]
async fn dynect_wsdl_is_served_with_our_address() {
    let app = TestApp::spawn().await;
    let r = app.http("GET", "/wsdl/dynect.wsdl", &[], b"").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains(&format!("location=\"http://{}/SOAP/\"", app.addr)), "soap:address rewritten");
    assert!(r.body.contains(&format!("targetNamespace=\"{V3}\"")));
    assert!(r.body.contains("<operation name=\"UnblockUser\">"));
}

#[tokio::test]
async fn dynect3_access_lists_permission_reports_and_jobs() {
    let app = TestApp::spawn().await;
    let token = dyn_token(&app, V3, "owner", OWNER_PASSWORD).await;
    let c = format!(
        "<token>{token}</token><user_name>acl</user_name><password>acl-pass-12</password>{}",
        required_profile("acl")
    );
    let created = dyn_call(&app, V3, "CreateUser", &c).await;
    assert!(created.is_success(), "{}", created.body);
    let create_job = created.field("job_id").expect("job_id");

    let edits = [
        ("AddUserGroups", "<group_name>ADMIN</group_name>"),
        ("SetUserGroups", "<group_name>READONLY</group_name>"),
        ("RemoveUserGroups", "<group_name>READONLY</group_name>"),
        ("AddUserZones", "<zone><zone_name>example.com</zone_name></zone>"),
        ("SetUserZones", "<zone><zone_name>example.org</zone_name><recurse>N</recurse></zone>"),
        ("RemoveUserZones", "<zone><zone_name>example.org</zone_name></zone>"),
        ("AddUserPermissions", "<permission>UserGet</permission>"),
        ("SetUserPermissions", "<permission>RecordGet</permission>"),
        ("RemoveUserPermissions", "<permission>RecordGet</permission>"),
        ("AddUserForbids", "<forbid><name>RecordDelete</name></forbid>"),
        ("SetUserForbids", "<forbid><name>RecordAdd</name></forbid>"),
        ("RemoveUserForbids", "<forbid><name>RecordAdd</name></forbid>"),
    ];
    for (op, list) in edits {
        let r = dyn_call(&app, V3, op, &format!("<token>{token}</token><user_name>acl</user_name>{list}")).await;
        assert!(r.is_success(), "{op}: {}", r.body);
        let (ns, root, names) = shape(&r.body);
        assert_eq!((ns.as_str(), root), (V3, format!("{op}Response")));
        assert_eq!(names.first().map(String::as_str), Some("user_name"), "{op} answers 3.x UserData");
        assert!(!names.iter().any(|n| n == "permission" || n == "zone" || n == "uid"), "{op}: {names:?}");
    }
    let r = dyn_call(
        &app,
        V3,
        "AddUserGroups",
        &format!("<token>{token}</token><user_name>acl</user_name><group_name>ADMIN</group_name>"),
    )
    .await;
    assert_eq!(r.fields("group_name"), ["DEFAULT", "ADMIN"], "Add appends");
    let r = dyn_call(&app, V3, "AddUserGroups", &format!("<token>{token}</token><user_name>acl</user_name>")).await;
    r.assert_fault("MISSING_DATA", "group_name:");

    let report =
        dyn_call(&app, V3, "GetUserPermissions", &format!("<token>{token}</token><user_name>acl</user_name>")).await;
    assert!(report.is_success(), "{}", report.body);
    assert_eq!(shape(&report.body).2.first().map(String::as_str), Some("admin_override"));
    assert!(report.body.contains("<allowed><name>UserLogin</name>"), "{}", report.body);
    let check =
        dyn_call(&app, V3, "CheckPermissions", &format!("<token>{token}</token><permission>UserAdd</permission>"))
            .await;
    assert!(check.is_success(), "{}", check.body);
    assert_eq!(shape(&check.body).1, "CheckPermissionsResponse");

    // GetJob replays the recorded call in the shapes of the namespace it is asked in.
    for (ns, first_field) in [(V3, "user_id"), (V2, "roles")] {
        let t = dyn_token(&app, ns, "owner", OWNER_PASSWORD).await;
        let job = dyn_call(&app, ns, "GetJob", &format!("<token>{t}</token><job_id>{create_job}</job_id>")).await;
        assert!(job.is_success(), "{}", job.body);
        assert_eq!(job.field("job_id").as_deref(), Some(create_job.as_str()), "the recorded call's job id");
        assert!(job.body.contains("<data xsi:type=\"tns:UserData\">"), "{}", job.body);
        assert_eq!(shape(&job.body).2.get(1).map(String::as_str), Some(first_field), "{}", job.body);
    }
    let r = dyn_call(&app, V2, "GetJob", &format!("<token>{token}</token><job_id>x</job_id>")).await;
    r.assert_fault("INVALID_DATA", "job_id: an integer expected");

    // 2.3.1 has none of the access-list or report operations.
    for op in ["AddUserGroups", "SetUserZones", "RemoveUserForbids", "GetUserPermissions", "CheckPermissions"] {
        let r = dyn_call(&app, V2, op, &format!("<token>{token}</token>")).await;
        r.assert_fault("INVALID_REQUEST", &format!("operation: {op} is not an operation of DynECT API 2.3.1"));
    }
}

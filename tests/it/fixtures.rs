//! Replays `fixtures/native/<Operation>/<case>.request.xml` (SOAP 1.1), `<case>.soap12.request.xml` (SOAP 1.2) and
//! `fixtures/dynect/<version>/<Operation>/...` against a freshly seeded server and compares the answer with the
//! matching `.response.xml`, namespace-aware, with volatile values masked. `UPDATE_FIXTURES=1` rewrites them.

use std::path::{Path, PathBuf};

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use crate::helpers::{TestApp, target};

/// Elements whose text changes from run to run.
pub const VOLATILE: &[&str] = &[
    "token",
    "job_id",
    "uid",
    "created_at",
    "updated_at",
    "last_login_at",
    "password_expiry",
    "at",
    "correlation_id",
    "next_cursor",
];

/// DDNS update users' generated names (`ddns-` and 10 of `a-z2-7`), wherever they appear (info texts too).
fn mask_generated_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("ddns-") {
        let (head, tail) = rest.split_at(at + "ddns-".len());
        out.push_str(head);
        let run = tail.bytes().take_while(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7')).count();
        if run == 10 {
            out.push('*');
            rest = &tail[run..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// A password the server generated: 20 letters and digits. Fixtures that choose one use other characters.
fn is_generated_password(elem: &str, text: &str) -> bool {
    elem == "password" && text.len() == 20 && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A namespace-resolved rendering: one line per element/attribute/text, prefixes gone, volatile text masked.
pub fn canonical(xml: &str) -> Result<String, String> {
    canonical_masking(xml, VOLATILE)
}

/// `canonical`, masking the text of the elements named in `volatile`.
pub fn canonical_masking(xml: &str, volatile: &[&str]) -> Result<String, String> {
    let mut r = NsReader::from_str(xml);
    r.config_mut().expand_empty_elements = true;
    let mut out = String::new();
    let mut depth = 0usize;
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    loop {
        let (res, ev) = r.read_resolved_event().map_err(|e| e.to_string())?;
        let ns = match res {
            ResolveResult::Bound(n) => n.0.to_owned(),
            _ => String::new(),
        };
        match ev {
            Event::Start(e) => {
                flush(&mut out, &mut text, depth, stack.last(), volatile);
                let local = String::from_utf8_lossy(e.local_name().as_ref().as_bytes()).into_owned();
                out.push_str(&format!("{}<{{{ns}}}{local}>\n", "  ".repeat(depth)));
                let mut attrs: Vec<String> = Vec::new();
                for a in e.attributes().flatten() {
                    let key: &str = a.key.as_ref();
                    if key == "xmlns" || key.starts_with("xmlns:") {
                        continue;
                    }
                    let (ares, aname) = r.resolver().resolve_attribute(a.key);
                    let ans = match ares {
                        ResolveResult::Bound(n) => n.0.to_owned(),
                        _ => String::new(),
                    };
                    let mut v = a.value.to_string();
                    // xsi:type values carry a prefix; compare the local part.
                    if let Some((_, local)) = v.split_once(':') {
                        v = local.to_owned();
                    }
                    let aname: &str = aname.as_ref();
                    attrs.push(format!("{}  @{{{ans}}}{aname}={v}\n", "  ".repeat(depth)));
                }
                attrs.sort();
                out.extend(attrs);
                stack.push(local);
                depth += 1;
            }
            Event::End(_) => {
                flush(&mut out, &mut text, depth, stack.last(), volatile);
                stack.pop();
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(c) => text.push_str(&c.xml10_content()),
            Event::GeneralRef(g) => match g.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => text.push_str(match &*g {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "apos" => "'",
                    "quot" => "\"",
                    _ => "?",
                }),
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

fn flush(out: &mut String, text: &mut String, depth: usize, elem: Option<&String>, volatile: &[&str]) {
    if !text.trim().is_empty() {
        let masked = elem.is_some_and(|e| volatile.contains(&e.as_str()) || is_generated_password(e, text));
        let shown = if masked { "*".to_owned() } else { mask_generated_names(text) };
        out.push_str(&format!("{}{:?}\n", "  ".repeat(depth), shown));
    }
    text.clear();
}

/// A stopped, seeded database and the live tokens in it; every case starts from a copy.
pub struct Template {
    dir: tempfile::TempDir,
    pub tokens: Vec<(&'static str, String)>,
}

impl Template {
    /// A fresh server on a copy of the seeded database (sessions included, so the tokens work).
    pub async fn instance(&self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        for f in std::fs::read_dir(self.dir.path()).expect("template").flatten() {
            std::fs::copy(f.path(), dir.path().join(f.file_name())).expect("copy template");
        }
        TestApp::spawn_in(dir, |_| {}).await
    }
}

/// The state every case starts from (described in fixtures/README.md), seeded once.
pub async fn seed() -> Template {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let alice = "<group_name>READONLY</group_name><nickname>Alice</nickname><first_name>Alice</first_name><last_name>Liddell</last_name><email>alice@example.org</email><organization>Wonderland</organization><phone>+1 603 555 0100</phone>";
    let bob = "<group_name>ADMIN</group_name><permission>UserGet</permission><nickname>Bob</nickname><first_name>Bob</first_name><last_name>Builder</last_name><email>bob@example.org</email><organization>Builders</organization><city>Boston</city>";
    let mut jobs = Vec::new();
    let mut uids = Vec::new();
    for (name, pw, extra) in [("alice", "alicepass1", alice), ("bob", "bobpass12", bob)] {
        let c = format!("<token>{owner}</token><user_name>{name}</user_name><password>{pw}</password>{extra}");
        let r = app.call("CreateUser", &c).await;
        assert!(r.is_success(), "seed {name}: {}", r.body);
        jobs.push(r.field("job_id").expect("job id"));
        uids.push(r.data_field("uid").expect("uid"));
    }
    // Jobs for GetJob's cases: a failed call, a read, a login (whose token is never recorded).
    let failed = app.call("BlockUser", &format!("<token>{owner}</token><user_name>owner</user_name>")).await;
    let read = app.call("GetUser", &format!("<token>{owner}</token><user_name>alice</user_name>")).await;
    let login = app.login("default", "alice", "alicepass1").await;
    // A DDNS update user, with a chosen password (its name is generated: `{{ddns_user}}` in requests).
    let ddns = app
        .call(
            "CreateUpdateUser",
            &format!("<token>{owner}</token><nickname>garage</nickname><password>garage-pass-1</password>"),
        )
        .await;
    assert!(ddns.is_success(), "seed ddns user: {}", ddns.body);
    let store = usergate::open_store(&crate::helpers::settings(&app.dir)).expect("store");
    let hasher = usergate::auth::password::PasswordHasher::new(1).expect("hasher");
    usergate::admin::create_owner(&store, &hasher, target("other", "carol", "carolpass1")).expect("carol");
    let dead = app.owner_token().await;
    assert!(app.call("SessionLogout", &format!("<token>{dead}</token>")).await.is_success());
    let mut tokens = vec![
        ("owner_token", owner),
        ("alice_token", app.token("default", "alice", "alicepass1").await),
        ("bob_token", app.token("default", "bob", "bobpass12").await),
        ("dead_token", dead),
    ];
    let carol = app.login("other", "carol", "carolpass1").await;
    let job = |r: &crate::helpers::Resp| r.field("job_id").expect("job id");
    tokens.push(("carol_token", carol.field("token").expect("carol's token")));
    tokens.push(("create_alice_job", jobs[0].clone()));
    tokens.push(("alice_uid", uids[0].clone()));
    tokens.extend([("failed_job", job(&failed)), ("read_job", job(&read)), ("login_job", job(&login))]);
    tokens.push(("carol_login_job", job(&carol)));
    tokens.push(("ddns_user", ddns.data_field("user_name").expect("generated name")));
    tokens.push(("ddns_create_job", job(&ddns)));
    Template { dir: app.stop().await, tokens }
}

fn cases(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(ops) = std::fs::read_dir(root) else { return out };
    for op in ops.flatten() {
        let Ok(files) = std::fs::read_dir(op.path()) else { continue };
        for f in files.flatten() {
            let p = f.path();
            if p.to_string_lossy().ends_with(".request.xml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The DynECT cases: `fixtures/dynect/<version>/<Operation>/<case>.request.xml`.
fn dynect_cases(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(versions) = std::fs::read_dir(root) else { return out };
    for v in versions.flatten() {
        out.extend(cases(&v.path()));
    }
    out.sort();
    out
}

/// The HTTP headers a case is sent with. Leading comment lines may set them: `<!-- soapaction: X -->` (empty: no
/// SOAPAction header) and `<!-- content-type: X -->`. Otherwise a `<case>.request.xml` goes as SOAP 1.1
/// (`text/xml`, SOAPAction the operation's own: natively `"urn:usergate:1#<Operation>"`, DynECT has one for every
/// operation) and a `<case>.soap12.request.xml` as SOAP 1.2 (`application/soap+xml` with that action as its
/// `action` parameter, no SOAPAction header).
fn request_headers(path: &Path, request: &str, op: &str, dynect: bool) -> Vec<(String, String)> {
    let action =
        if dynect { "\"https://api2.dynect.net/SOAP/\"".to_owned() } else { format!("\"urn:usergate:1#{op}\"") };
    let soap12 = path.to_string_lossy().ends_with(".soap12.request.xml");
    let mut content_type = if soap12 {
        format!("application/soap+xml; charset=utf-8; action={action}")
    } else {
        "text/xml; charset=utf-8".to_owned()
    };
    let mut soap_action = (!soap12).then_some(action);
    for line in request.lines().map(str::trim).take_while(|l| l.starts_with("<!--")) {
        let directive = line.trim_start_matches("<!--").trim_end_matches("-->").trim();
        if let Some(v) = directive.strip_prefix("soapaction:") {
            soap_action = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        } else if let Some(v) = directive.strip_prefix("content-type:") {
            content_type = v.trim().to_owned();
        }
    }
    let mut headers = vec![("Content-Type".to_owned(), content_type)];
    headers.extend(soap_action.map(|a| ("SOAPAction".to_owned(), a)));
    headers
}

/// A case's own starting point, from leading comment lines: `<!-- sql: STATEMENT -->` runs on the database (as an
/// operator's sqlite3 would; the instance is fresh, so nothing of it is cached yet), then `<!-- setup: Operation
/// CHILDREN -->` makes that native call (placeholders filled), which must succeed.
async fn prepare(app: &TestApp, request: &str, fill: impl Fn(&str) -> String) {
    for line in request.lines().map(str::trim).take_while(|l| l.starts_with("<!--")) {
        let directive = line.trim_start_matches("<!--").trim_end_matches("-->").trim();
        if let Some(sql) = directive.strip_prefix("sql:") {
            app.sql().execute_batch(sql.trim()).unwrap_or_else(|e| panic!("sql directive {sql:?}: {e}"));
        } else if let Some(call) = directive.strip_prefix("setup:") {
            let (op, children) = call.trim().split_once(' ').unwrap_or((call.trim(), ""));
            let r = app.call(op, &fill(children)).await;
            assert!(r.is_success(), "setup {op}: {}", r.body);
        }
    }
}

#[tokio::test]
async fn fixtures_replay() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let update = std::env::var_os("UPDATE_FIXTURES").is_some_and(|v| v == "1");
    let native = cases(&fixtures.join("native"));
    assert!(native.len() >= 40, "at least 40 native fixture cases, found {}", native.len());
    let dynect = dynect_cases(&fixtures.join("dynect"));
    assert!(dynect.len() >= 50, "at least 50 DynECT fixture cases, found {}", dynect.len());
    let all: Vec<(PathBuf, bool)> =
        native.into_iter().map(|p| (p, false)).chain(dynect.into_iter().map(|p| (p, true))).collect();
    let mut failures = Vec::new();
    let template = seed().await;
    for (req_path, is_dynect) in &all {
        let op =
            req_path.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let raw = std::fs::read_to_string(req_path).expect("read request");
        let app = template.instance().await;
        let fill = |text: &str| {
            let mut out = text.to_owned();
            for (k, v) in &template.tokens {
                out = out.replace(&format!("{{{{{k}}}}}"), v);
            }
            out
        };
        prepare(&app, &raw, fill).await;
        let body = fill(&raw);
        let headers = request_headers(req_path, &raw, &op, *is_dynect);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let resp = app.http("POST", "/SOAP/", &headers, body.as_bytes()).await;
        app.stop().await;
        let resp_path = PathBuf::from(req_path.to_string_lossy().replace(".request.xml", ".response.xml"));
        let actual = format!("<!-- HTTP {} -->\n{}\n", resp.status, resp.body);
        let expected = std::fs::read_to_string(&resp_path);
        if update {
            // Only answers that changed are rewritten, so volatile values do not churn in the diff.
            let same = expected.as_ref().is_ok_and(|e| {
                e.lines().next() == actual.lines().next()
                    && canonical(e).is_ok()
                    && canonical(e) == canonical(&resp.body)
            });
            if !same {
                std::fs::write(&resp_path, &actual).expect("write response");
            }
            continue;
        }
        let Ok(expected) = expected else {
            failures.push(format!("{}: no response file (run with UPDATE_FIXTURES=1)", resp_path.display()));
            continue;
        };
        compare_answer(req_path, &expected, resp.status, &resp.body, canonical, &mut failures);
    }
    assert!(failures.is_empty(), "{} fixture(s) differ:\n{}", failures.len(), failures.join("\n\n"));
}

/// Compares an answer with its recorded response file (status comment line + XML, both made canonical by
/// `canon`), recording a readable difference in `failures`.
pub fn compare_answer(
    req_path: &Path,
    expected: &str,
    status: u16,
    actual: &str,
    canon: impl Fn(&str) -> Result<String, String>,
    failures: &mut Vec<String>,
) {
    let status_line = expected.lines().next().unwrap_or("");
    let same_status = status_line == format!("<!-- HTTP {status} -->");
    match (canon(expected), canon(actual)) {
        (Ok(e), Ok(a)) if e == a && same_status => {}
        (Ok(e), Ok(a)) => failures.push(format!(
            "{}: {status_line} vs HTTP {status}\n{}",
            req_path.display(),
            pretty_assertions::StrComparison::new(&e, &a)
        )),
        (e, a) => failures.push(format!("{}: unreadable XML: {:?} / {:?}", req_path.display(), e.err(), a.err())),
    }
}

#[test]
fn canonical_ignores_prefixes_and_masks_volatile_values() {
    let a = "<a:E xmlns:a='urn:x'><job_id>1</job_id><v>t</v></a:E>";
    let b = "<b:E xmlns:b='urn:x'>\n  <job_id>99</job_id>\n  <v>t</v>\n</b:E>";
    assert_eq!(canonical(a), canonical(b));
    assert_ne!(canonical(a), canonical("<a:E xmlns:a='urn:y'><job_id>1</job_id><v>t</v></a:E>"));
    assert_ne!(canonical(a), canonical("<a:E xmlns:a='urn:x'><job_id>1</job_id><v>u</v></a:E>"));
}

#[test]
fn generated_update_user_names_and_passwords_are_masked() {
    let a = "<E><info>create: Update user ddns-abcdefgh23 created</info><password>Ab3dEf6hIj9lMn2pQr5t</password></E>";
    let b = "<E><info>create: Update user ddns-zzzzzzzz77 created</info><password>Zb3dEf6hIj9lMn2pQr5t</password></E>";
    assert_eq!(canonical(a), canonical(b));
    // Chosen values are compared as they are.
    assert_ne!(
        canonical("<E><password>garage-pass-1</password></E>"),
        canonical("<E><password>garage-pass-2</password></E>")
    );
    assert_eq!(mask_generated_names("ddns-abc and ddns-abcdefghij2x"), "ddns-abc and ddns-abcdefghij2x");
    assert_eq!(mask_generated_names("ddns-abcdefghij."), "ddns-*.");
}

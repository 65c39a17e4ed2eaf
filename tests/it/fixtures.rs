//! Replays `fixtures/native/<Operation>/<case>.request.xml` against a freshly seeded server and compares the answer
//! with `<case>.response.xml`, namespace-aware, with volatile values masked. `UPDATE_FIXTURES=1` rewrites them.

use std::path::{Path, PathBuf};

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use crate::helpers::{TestApp, target};

/// Elements whose text changes from run to run.
const VOLATILE: &[&str] = &["token", "job_id", "uid", "created_at", "updated_at", "last_login_at", "password_expiry"];

/// A namespace-resolved rendering: one line per element/attribute/text, prefixes gone, volatile text masked.
pub fn canonical(xml: &str) -> Result<String, String> {
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
                flush(&mut out, &mut text, depth, stack.last());
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
                flush(&mut out, &mut text, depth, stack.last());
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

fn flush(out: &mut String, text: &mut String, depth: usize, elem: Option<&String>) {
    if !text.trim().is_empty() {
        let masked = elem.is_some_and(|e| VOLATILE.contains(&e.as_str()));
        let shown = if masked { "*" } else { text.as_str() };
        out.push_str(&format!("{}{:?}\n", "  ".repeat(depth), shown));
    }
    text.clear();
}

/// A stopped, seeded database and the live tokens in it; every case starts from a copy.
struct Template {
    dir: tempfile::TempDir,
    tokens: Vec<(&'static str, String)>,
}

impl Template {
    /// A fresh server on a copy of the seeded database (sessions included, so the tokens work).
    async fn instance(&self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        for f in std::fs::read_dir(self.dir.path()).expect("template").flatten() {
            std::fs::copy(f.path(), dir.path().join(f.file_name())).expect("copy template");
        }
        TestApp::spawn_in(dir, |_| {}).await
    }
}

/// The state every case starts from (described in fixtures/README.md), seeded once.
async fn seed() -> Template {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let alice = "<group_name>READONLY</group_name><nickname>Alice</nickname><first_name>Alice</first_name><last_name>Liddell</last_name><email>alice@example.org</email><organization>Wonderland</organization><phone>+1 603 555 0100</phone>";
    let bob = "<group_name>ADMIN</group_name><permission>UserGet</permission><nickname>Bob</nickname><first_name>Bob</first_name><last_name>Builder</last_name><email>bob@example.org</email><organization>Builders</organization><city>Boston</city>";
    let mut jobs = Vec::new();
    for (name, pw, extra) in [("alice", "alicepass1", alice), ("bob", "bobpass12", bob)] {
        let c = format!("<token>{owner}</token><user_name>{name}</user_name><password>{pw}</password>{extra}");
        let r = app.call("CreateUser", &c).await;
        assert!(r.is_success(), "seed {name}: {}", r.body);
        jobs.push(r.field("job_id").expect("job id"));
    }
    // Jobs for GetJob's cases: a failed call, a read, a login (whose token is never recorded).
    let failed = app.call("BlockUser", &format!("<token>{owner}</token><user_name>owner</user_name>")).await;
    let read = app.call("GetUser", &format!("<token>{owner}</token><user_name>alice</user_name>")).await;
    let login = app.login("default", "alice", "alicepass1").await;
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
    tokens.extend([("failed_job", job(&failed)), ("read_job", job(&read)), ("login_job", job(&login))]);
    tokens.push(("carol_login_job", job(&carol)));
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

/// `<!-- soapaction: X -->` on the first line sets SOAPAction (empty = no header); else the operation's own.
fn soap_action(request: &str, op: &str) -> Option<String> {
    let first = request.lines().next().unwrap_or("").trim();
    if let Some(rest) = first.strip_prefix("<!-- soapaction:") {
        let v = rest.trim_end_matches("-->").trim();
        return (!v.is_empty()).then(|| v.to_owned());
    }
    Some(format!("\"urn:usergate:1#{op}\""))
}

#[tokio::test]
async fn fixtures_replay() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/native");
    let update = std::env::var_os("UPDATE_FIXTURES").is_some_and(|v| v == "1");
    let all = cases(&root);
    assert!(all.len() >= 40, "at least 40 fixture cases, found {}", all.len());
    let mut failures = Vec::new();
    let template = seed().await;
    for req_path in &all {
        let op =
            req_path.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let raw = std::fs::read_to_string(req_path).expect("read request");
        let app = template.instance().await;
        let mut body = raw.clone();
        for (k, v) in &template.tokens {
            body = body.replace(&format!("{{{{{k}}}}}"), v);
        }
        let action = soap_action(&raw, &op);
        let resp = app.post_xml(&body, action.as_deref()).await;
        app.stop().await;
        let resp_path = PathBuf::from(req_path.to_string_lossy().replace(".request.xml", ".response.xml"));
        let actual = format!("<!-- HTTP {} -->\n{}\n", resp.status, resp.body);
        if update {
            std::fs::write(&resp_path, &actual).expect("write response");
            continue;
        }
        let Ok(expected) = std::fs::read_to_string(&resp_path) else {
            failures.push(format!("{}: no response file (run with UPDATE_FIXTURES=1)", resp_path.display()));
            continue;
        };
        let status_line = expected.lines().next().unwrap_or("");
        let same_status = status_line == format!("<!-- HTTP {} -->", resp.status);
        match (canonical(&expected), canonical(&resp.body)) {
            (Ok(e), Ok(a)) if e == a && same_status => {}
            (Ok(e), Ok(a)) => failures.push(format!(
                "{}: {status_line} vs HTTP {}\n{}",
                req_path.display(),
                resp.status,
                pretty_assertions::StrComparison::new(&e, &a)
            )),
            (e, a) => failures.push(format!("{}: unreadable XML: {:?} / {:?}", req_path.display(), e.err(), a.err())),
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) differ:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn canonical_ignores_prefixes_and_masks_volatile_values() {
    let a = "<a:E xmlns:a='urn:x'><job_id>1</job_id><v>t</v></a:E>";
    let b = "<b:E xmlns:b='urn:x'>\n  <job_id>99</job_id>\n  <v>t</v>\n</b:E>";
    assert_eq!(canonical(a), canonical(b));
    assert_ne!(canonical(a), canonical("<a:E xmlns:a='urn:y'><job_id>1</job_id><v>t</v></a:E>"));
    assert_ne!(canonical(a), canonical("<a:E xmlns:a='urn:x'><job_id>1</job_id><v>u</v></a:E>"));
}

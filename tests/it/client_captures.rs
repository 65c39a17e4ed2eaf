//! Replays what real SOAP clients sent (`fixtures/clients/<client>/<binding>/NN-<Operation>.*`, recorded by
//! tests/clients/capture_proxy.py) against a fresh server on the fixture template, in NN order, and compares each
//! answer with the recorded one, so a regression shows without the client installed. `UPDATE_FIXTURES=1`
//! rewrites the recorded answers (never the requests: only the client writes those).

use std::path::{Path, PathBuf};

use crate::fixtures::{VOLATILE, canonical_masking, compare_answer, seed};

/// The recorded run had other clients' users beside it, so user ids differ from a replay.
fn volatile() -> Vec<&'static str> {
    let mut v = VOLATILE.to_vec();
    v.push("user_id");
    v
}

/// Every directory holding `*.request.xml` captures, at any depth under `root`.
fn capture_dirs(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    let mut has_requests = false;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            capture_dirs(&p, out);
        } else if p.to_string_lossy().ends_with(".request.xml") {
            has_requests = true;
        }
    }
    if has_requests {
        out.push(root.to_path_buf());
    }
}

fn requests_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("capture dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".request.xml"))
        .collect();
    // NN- prefixes sort in the order the client sent them.
    files.sort();
    files
}

/// The Content-Type and SOAPAction lines the client sent (`Name: value`, as recorded).
fn recorded_headers(request: &Path) -> Vec<(String, String)> {
    let path = PathBuf::from(request.to_string_lossy().replace(".request.xml", ".request.headers"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} missing", path.display()));
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-type") || k.eq_ignore_ascii_case("soapaction"))
        .collect()
}

fn replace_bytes(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

#[tokio::test]
async fn client_captures_replay() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/clients");
    let update = std::env::var_os("UPDATE_FIXTURES").is_some_and(|v| v == "1");
    let mut dirs = Vec::new();
    capture_dirs(&root, &mut dirs);
    dirs.sort();
    assert!(!dirs.is_empty(), "no captures under {}", root.display());
    let volatile = volatile();
    let template = seed().await;
    let mut failures = Vec::new();
    let mut replayed = 0;
    for dir in &dirs {
        let app = template.instance().await;
        let mut token: Option<String> = None;
        for req_path in requests_in(dir) {
            let raw = std::fs::read(&req_path).expect("read request");
            let body = match &token {
                Some(t) => replace_bytes(&raw, b"{{token}}", t.as_bytes()),
                None => raw,
            };
            let headers = recorded_headers(&req_path);
            let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let resp = app.http("POST", "/SOAP/", &headers, &body).await;
            replayed += 1;
            if req_path.to_string_lossy().ends_with("-SessionLogin.request.xml")
                && let Some(t) = resp.field("token")
            {
                token = Some(t);
            }
            let masked = match &token {
                Some(t) => resp.body.replace(t.as_str(), "{{token}}"),
                None => resp.body.clone(),
            };
            let resp_path = PathBuf::from(req_path.to_string_lossy().replace(".request.xml", ".response.xml"));
            if update {
                std::fs::write(&resp_path, format!("<!-- HTTP {} -->\n{masked}\n", resp.status)).expect("write");
                continue;
            }
            let Ok(expected) = std::fs::read_to_string(&resp_path) else {
                failures.push(format!("{}: no response file", resp_path.display()));
                continue;
            };
            let canon = |xml: &str| canonical_masking(xml, &volatile);
            compare_answer(&req_path, &expected, resp.status, &masked, canon, &mut failures);
        }
        app.stop().await;
    }
    assert!(replayed > 0, "no capture replayed");
    assert!(failures.is_empty(), "{} capture(s) differ:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn tokens_are_substituted_in_bytes() {
    assert_eq!(replace_bytes(b"<t>{{token}}</t>{{token}}", b"{{token}}", b"ab"), b"<t>ab</t>ab");
    assert_eq!(replace_bytes(b"\xff{{tok", b"{{token}}", b"x"), b"\xff{{tok");
}

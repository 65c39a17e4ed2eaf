//! Every fixture request, truncated and mutated, through the pure request reader: no input panics, and each
//! rejection is a well-formed answer. (cargo-fuzz goes further; this runs in every test run.)

use std::path::Path;

use usergate::app::Policy;
use usergate::http::endpoint::{Rejected, read_request};

fn requests() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/native");
    let mut out = Vec::new();
    for op in std::fs::read_dir(root).expect("fixtures").flatten() {
        for f in std::fs::read_dir(op.path()).expect("op dir").flatten() {
            let p = f.path();
            if p.to_string_lossy().ends_with(".request.xml") {
                let text = std::fs::read_to_string(&p).expect("read").replace("{{", "t").replace("}}", "t");
                out.push((p.display().to_string(), text));
            }
        }
    }
    out
}

fn check(name: &str, text: &str, policy: &Policy) {
    match read_request(text, None, policy) {
        Ok(_) => {}
        Err(Rejected::Envelope(f)) => assert!(!f.info.is_empty() && f.info.contains(':'), "{name}: {f:?}"),
        Err(Rejected::Field { error, .. }) => assert!(error.info.contains(':'), "{name}: {error:?}"),
    }
}

#[test]
fn truncated_and_mutated_requests_never_panic() {
    let policy = Policy::default();
    let all = requests();
    assert!(all.len() >= 40);
    for (name, text) in &all {
        let bytes = text.as_bytes();
        for cut in (0..bytes.len()).step_by(5) {
            if let Ok(prefix) = std::str::from_utf8(&bytes[..cut]) {
                check(name, prefix, &policy);
            }
        }
        for at in (0..bytes.len()).step_by(11) {
            for b in [b'<', b'>', b'&', b'"', b'/', b':', b'=', b' '] {
                let mut m = bytes.to_vec();
                m[at] = b;
                if let Ok(s) = std::str::from_utf8(&m) {
                    check(name, s, &policy);
                }
            }
        }
    }
}

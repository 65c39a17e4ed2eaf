//! The README's example requests: each one runs, in README order, against a seeded server and must succeed; every
//! operation of the native WSDL has one, so the examples cannot go stale or go missing.

use std::collections::BTreeSet;
use std::path::Path;

/// One example: the operation its marker names and the envelope that follows the marker.
struct Example {
    op: String,
    line: usize,
    xml: String,
}

/// The fenced `xml` blocks whose first line is `<!-- example: Operation ... -->`.
fn examples(readme: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut lines = readme.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if line.trim() != "```xml" {
            continue;
        }
        let mut block = Vec::new();
        for (_, l) in lines.by_ref() {
            if l.trim() == "```" {
                break;
            }
            block.push(l);
        }
        let Some(op) = block
            .first()
            .and_then(|first| first.trim().strip_prefix("<!-- example:"))
            .and_then(|rest| rest.split_whitespace().next())
        else {
            continue;
        };
        out.push(Example { op: op.trim_end_matches("-->").to_owned(), line: n + 1, xml: block[1..].join("\n") });
    }
    out
}

fn native_operations() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("wsdl/usergate.wsdl");
    let text = std::fs::read_to_string(path).expect("wsdl");
    let port_type = text.split("portType name=").nth(1).and_then(|s| s.split("portType>").next()).expect("portType");
    port_type.split("operation name=\"").skip(1).filter_map(|s| s.split('"').next()).map(str::to_owned).collect()
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README.md")
}

#[test]
fn every_native_operation_has_a_readme_example() {
    let shown: BTreeSet<String> = examples(&readme()).into_iter().map(|e| e.op).collect();
    let missing: Vec<_> = native_operations().difference(&shown).cloned().collect();
    assert!(missing.is_empty(), "README.md has no example for: {missing:?}");
    let unknown: Vec<_> = shown.difference(&native_operations()).cloned().collect();
    assert!(unknown.is_empty(), "README.md examples name operations the WSDL lacks: {unknown:?}");
}

#[tokio::test]
async fn readme_examples_succeed_in_order() {
    let template = crate::fixtures::seed().await;
    let app = template.instance().await;
    let owner = template.tokens.iter().find(|(k, _)| *k == "owner_token").map(|(_, v)| v.clone()).expect("token");
    let mut failures = Vec::new();
    for ex in examples(&readme()) {
        let mut xml = ex.xml.replace("TOKEN", &owner);
        for (key, value) in &template.tokens {
            xml = xml.replace(&format!("{{{{{key}}}}}"), value);
        }
        let soap12 = xml.contains("http://www.w3.org/2003/05/soap-envelope");
        let content_type = if soap12 { "application/soap+xml; charset=utf-8" } else { "text/xml; charset=utf-8" };
        let r = app.http("POST", "/SOAP/", &[("Content-Type", content_type)], xml.as_bytes()).await;
        if !r.is_success() {
            failures.push(format!("README.md line {} ({}): HTTP {}\n{}", ex.line, ex.op, r.status, r.body));
        }
    }
    assert!(failures.is_empty(), "README examples failed:\n{}", failures.join("\n\n"));
}

#[test]
fn examples_are_found_with_their_operation_and_line() {
    let text = "intro\n```xml\n<!-- example: GetUser as owner -->\n<a/>\n```\n```xml\n<b/>\n```\n";
    let found = examples(text);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].op.as_str(), found[0].line, found[0].xml.as_str()), ("GetUser", 2, "<a/>"));
}

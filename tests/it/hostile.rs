//! The hostile-input corpus (issue 5): every request a SOAP endpoint must withstand, each with its exact answer
//! (HTTP status, fault code, err_cd, `info` prefix) and a generous time bound. Small cases are files in
//! `fixtures/hostile/`; big ones are generated here. Transport attacks (slowloris, slow body, oversized and
//! endless bodies, too many headers or connections) use raw TCP.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use usergate::config::MAX_BODY_LIMIT;

use crate::helpers::{Resp, TestApp, envelope};

const S11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The only timing assert: a generous safety bound per case (speed itself is the benchmark's business).
const BOUND: Duration = Duration::from_secs(1);
/// The transport cases' timeouts (settings `header_timeout_secs`, `body_timeout_secs`).
const CUT_OFF: Duration = Duration::from_secs(1);

/// What the server must answer.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A SOAP 1.1 fault: HTTP 500, this faultcode, err_cd and info prefix.
    Fault { code: &'static str, err_cd: &'static str, info: &'static str },
    /// A normal success response.
    Success,
    /// A plain HTTP answer with this status (no SOAP envelope: the request never got that far).
    Status(u16),
}

use Expect::{Fault, Status, Success};

const fn client(err_cd: &'static str, info: &'static str) -> Expect {
    Fault { code: "soap:Client", err_cd, info }
}
const fn refused(info: &'static str) -> Expect {
    client("INVALID_REQUEST", info)
}
const fn malformed(info: &'static str) -> Expect {
    client("INVALID_DATA", info)
}

/// One request sent as a normal POST.
struct Case {
    name: String,
    content_type: &'static str,
    soap_action: Option<&'static str>,
    body: Vec<u8>,
    expect: Expect,
}

fn case(name: &str, body: impl Into<Vec<u8>>, expect: Expect) -> Case {
    Case { name: name.into(), content_type: "text/xml; charset=utf-8", soap_action: None, body: body.into(), expect }
}

/// Times every case; reports them all and the slowest.
#[derive(Default)]
struct Timings(Vec<(String, Duration, Duration)>);

impl Timings {
    #[track_caller]
    fn record(&mut self, name: &str, took: Duration, bound: Duration) {
        assert!(took <= bound, "{name}: answered in {took:?}, over the {bound:?} safety bound");
        self.0.push((name.to_owned(), took, bound));
    }

    /// Prints every case's time, slowest first, and keeps the same text in `target/tmp/hostile-timings.txt` (the
    /// test harness swallows a passing test's output; `tests/all.sh` prints the summary from the file).
    fn report(&self) {
        let mut all = self.0.clone();
        all.sort_by_key(|(_, t, _)| std::cmp::Reverse(*t));
        let mut out = format!("hostile corpus: {} cases\n", all.len());
        for (name, t, bound) in &all {
            let waits = if *bound > BOUND { "  (waits for a 1 s timeout by design)" } else { "" };
            out.push_str(&format!("  {:>10.3} ms  {name}{waits}\n", t.as_secs_f64() * 1000.0));
        }
        if let Some((name, t, _)) = all.iter().find(|(_, _, bound)| *bound == BOUND) {
            let ms = t.as_secs_f64() * 1000.0;
            out.push_str(&format!("slowest hostile case (not waiting for a timeout): {name} in {ms:.3} ms\n"));
        }
        print!("{out}");
        let _ = std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-timings.txt"), out);
    }
}

/// Whether `r` is the expected answer; why not, otherwise.
fn verdict(r: &Resp, expect: Expect) -> Result<(), String> {
    let fail = |what: String| Err(format!("{what}; got HTTP {}: {}", r.status, r.body));
    match expect {
        Fault { code, err_cd, info } => {
            if r.status != 500 || r.field("faultcode").as_deref() != Some(code) || r.err_cd().as_deref() != Some(err_cd)
            {
                return fail(format!("expected HTTP 500 {code} {err_cd}"));
            }
            if !r.info().starts_with(info) {
                return fail(format!("expected info starting with {info:?}"));
            }
            if r.field("job_id").is_none() {
                return fail("faults carry a job id".into());
            }
        }
        Success if !r.is_success() => return fail("expected success".into()),
        Success => {}
        Status(status) if r.status != status || r.body.contains("Envelope") => {
            return fail(format!("expected a plain HTTP {status}"));
        }
        Status(_) => {}
    }
    Ok(())
}

#[track_caller]
fn check(name: &str, r: &Resp, expect: Expect) {
    if let Err(e) = verdict(r, expect) {
        panic!("{name}: {e}");
    }
}

/// The files of `fixtures/hostile/` with their expected answers (the test refuses a file missing from here).
fn checked_in(owner: &str) -> Vec<Case> {
    let dtd = refused("xml: DTDs are not allowed");
    let pi = refused("xml: processing instructions are not allowed");
    let table: &[(&str, Expect)] = &[
        ("doctype_internal_entity", dtd),
        ("external_entity_file", dtd),
        ("external_entity_http", dtd),
        ("parameter_entity", dtd),
        ("billion_laughs", dtd),
        ("undeclared_entity", refused("xml: undeclared entity &x;")),
        ("pi_before_envelope", pi),
        ("pi_inside_envelope", pi),
        ("pi_inside_operation", pi),
        ("element_after_envelope", refused("envelope: content after the Envelope")),
        ("text_after_envelope", refused("envelope: text is not allowed in the document")),
        ("second_envelope", refused("envelope: content after the Envelope")),
        ("element_after_body", refused("envelope: unexpected element Extra after Body")),
        ("duplicate_attributes", malformed("xml: attribute: ")),
        (
            "wrong_envelope_namespace",
            Fault {
                code: "soap:VersionMismatch",
                err_cd: "INVALID_REQUEST",
                info: "envelope: unknown SOAP envelope namespace",
            },
        ),
        ("body_missing", refused("envelope: Body is missing")),
        ("two_bodies", refused("envelope: only one Body is allowed")),
        ("empty_body", refused("envelope: Body is empty")),
        ("fault_as_request", refused("envelope: a Fault is not a request")),
        (
            "must_understand_1",
            Fault {
                code: "soap:MustUnderstand",
                err_cd: "INVALID_REQUEST",
                info: "header: Security is mandatory but not understood",
            },
        ),
        (
            "must_understand_true",
            Fault {
                code: "soap:MustUnderstand",
                err_cd: "INVALID_REQUEST",
                info: "header: Security is mandatory but not understood",
            },
        ),
        ("wsa_must_understand_passes", Success),
        ("unknown_operation", refused("operation: unknown operation DropDatabaseRequest")),
        ("declared_encoding_ignored", Success),
        ("character_reference_nul", malformed("xml: character reference: ")),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("fixtures/hostile")
        .flatten()
        .filter_map(|f| f.file_name().to_str()?.strip_suffix(".xml").map(str::to_owned))
        .collect();
    let listed: BTreeSet<String> = table.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(on_disk, listed, "every file in fixtures/hostile/ has its expected answer here, and only those");
    table
        .iter()
        .map(|(name, expect)| {
            let text = std::fs::read_to_string(dir.join(format!("{name}.xml"))).expect("read fixture");
            case(name, text.replace("{{owner_token}}", owner), *expect)
        })
        .collect()
}

fn env_with(header: &str, op: &str) -> String {
    format!(
        "<s:Envelope xmlns:s='{S11}' xmlns:u='urn:usergate:1'><s:Header>{header}</s:Header><s:Body>{op}</s:Body></s:Envelope>"
    )
}

/// Fills `prefix` + repeated `unit` + `suffix` up to the 1 MiB body cap: the largest document of that shape the
/// server can be sent.
fn fill(prefix: &str, unit: impl Fn(usize) -> String, suffix: &str) -> String {
    let mut out = String::from(prefix);
    for i in 0.. {
        let u = unit(i);
        if out.len() + u.len() + suffix.len() > MAX_BODY_LIMIT {
            break;
        }
        out.push_str(&u);
    }
    out.push_str(suffix);
    assert!(out.len() <= MAX_BODY_LIMIT && out.len() > MAX_BODY_LIMIT - 64, "{} bytes", out.len());
    out
}

/// The generated XML cases; they run with the body limit at its 1 MiB maximum so that the XML caps, not the
/// body cap, are what answers.
fn generated(owner: &str) -> Vec<Case> {
    let op = format!("<u:GetUserRequest><token>{owner}</token><user_name>owner</user_name></u:GetUserRequest>");
    let with_user = |name: &str| {
        format!("<u:GetUserRequest><token>{owner}</token><user_name>{name}</user_name></u:GetUserRequest>")
    };
    let header_then = |h: &str| env_with(h, &op);
    let big_head = |open: &str| format!("<s:Envelope xmlns:s='{S11}' xmlns:u='urn:usergate:1'><s:Header>{open}");
    let mut v = Vec::new();

    // Entity expansion without a DTD: references are refused or counted, never expanded without bound.
    let amp_flood = fill(&big_head("<h>"), |_| "&lt;".into(), "");
    v.push(case("quadratic_blowup_predefined_entities_in_header", amp_flood, refused("xml: text longer than 8192")));
    let in_field = format!(
        "<s:Envelope xmlns:s='{S11}' xmlns:u='urn:usergate:1'><s:Body><u:GetUserRequest><token>{owner}</token><user_name>"
    );
    let quad = fill(&in_field, |_| "&amp;".into(), "</user_name></u:GetUserRequest></s:Body></s:Envelope>");
    v.push(case("quadratic_blowup_predefined_entities_in_field", quad, refused("xml: text longer than 8192")));
    let quad_dtd = format!(
        "<!DOCTYPE s:Envelope [<!ENTITY a \"{}\">]>{}",
        "a".repeat(50_000),
        fill(&in_field, |_| "&a;".into(), "</user_name></u:GetUserRequest></s:Body></s:Envelope>")
    );
    let quad_dtd = quad_dtd[..quad_dtd.len().min(MAX_BODY_LIMIT)].to_owned();
    v.push(case("quadratic_blowup_internal_entity", quad_dtd, refused("xml: DTDs are not allowed")));
    let undeclared = fill(&in_field, |_| "&x;".into(), "</user_name></u:GetUserRequest></s:Body></s:Envelope>");
    v.push(case("undeclared_entity_flood", undeclared, refused("xml: undeclared entity &x;")));

    // Depth.
    let nest = |n: usize| "<d>".repeat(n) + &"</d>".repeat(n);
    v.push(case("depth_32_accepted", header_then(&nest(30)), Success));
    v.push(case("depth_33", header_then(&nest(31)), refused("xml: nesting deeper than 32")));
    v.push(case("depth_filling_1_MiB", fill(&big_head(""), |_| "<d>".into(), ""), refused("xml: nesting deeper")));

    // Attributes on one tag.
    let attrs = |n: usize| (0..n).map(|i| format!(" a{i}='v'")).collect::<String>();
    v.push(case("attributes_32_accepted", header_then(&format!("<h{}/>", attrs(32))), Success));
    v.push(case(
        "attributes_33",
        header_then(&format!("<h{}/>", attrs(33))),
        refused("xml: more than 32 attributes on h"),
    ));
    let many_attrs = fill(&big_head("<h"), |i| format!(" a{i}=''"), "/></s:Header></s:Envelope>");
    v.push(case("attributes_filling_1_MiB", many_attrs, refused("xml: more than 32 attributes on h")));
    let same_attr = fill(&big_head("<h"), |_| " a=''".into(), "/></s:Header></s:Envelope>");
    v.push(case("duplicate_attribute_filling_1_MiB", same_attr, refused("xml: more than 32 attributes on h")));
    let long_value = header_then(&format!("<h a='{}'/>", "v".repeat(4097)));
    v.push(case("attribute_value_4_KiB_plus_1", long_value, refused("xml: attribute longer than 4096 bytes")));

    // Namespace declarations on one element (RUSTSEC-2026-0195 shape).
    let decls = |n: usize| (0..n).map(|i| format!(" xmlns:n{i}='urn:n{i}'")).collect::<String>();
    v.push(case("namespaces_16_accepted", header_then(&format!("<h{}/>", decls(14))), Success));
    let ns17 = header_then(&format!("<h{}/>", decls(17)));
    v.push(case("namespaces_17", ns17, refused("xml: more than 16 namespace declarations")));
    let many_ns = fill(&big_head("<h"), |i| format!(" xmlns:n{i}='urn:n{i}'"), "/></s:Header></s:Envelope>");
    v.push(case("namespaces_filling_1_MiB", many_ns, refused("xml: more than 16 namespace declarations")));

    // Text, children, elements, names.
    v.push(case("text_8_KiB_accepted_in_header", header_then(&format!("<h>{}</h>", "t".repeat(8192))), Success));
    v.push(case(
        "text_8_KiB_plus_1",
        with_user_env(&with_user(&"t".repeat(8193))),
        refused("xml: text longer than 8192"),
    ));
    let pieces = format!("{}<![CDATA[{}]]>&amp;", "t".repeat(4096), "c".repeat(4096));
    v.push(case(
        "text_8_KiB_plus_1_in_pieces",
        with_user_env(&with_user(&pieces)),
        refused("xml: text longer than 8192"),
    ));
    let kids = |n: usize| format!("<h>{}</h>", "<c/>".repeat(n));
    v.push(case("children_1000_accepted", header_then(&kids(1000)), Success));
    v.push(case("children_1001", header_then(&kids(1001)), refused("xml: more than 1000 children in one element")));
    let groups = |per: usize| (0..3).map(|_| format!("<g>{}</g>", "<c/>".repeat(per))).collect::<String>();
    v.push(case("elements_2001", header_then(&groups(666)), refused("xml: more than 2000 elements")));
    let children_flood = fill(&big_head("<h>"), |_| "<c/>".into(), "");
    v.push(case("children_filling_1_MiB", children_flood, refused("xml: more than 1000 children")));
    v.push(case(
        "element_name_300_bytes",
        header_then(&format!("<{0}/>", "n".repeat(300))),
        refused("xml: element name longer than 256"),
    ));
    let long_op = with_user_env(&format!("<u:{0}><token>{owner}</token></u:{0}>", "N".repeat(300)));
    v.push(case("operation_name_300_bytes", long_op, refused("xml: element name longer than 256")));

    // Encodings: UTF-8 with and without BOM, UTF-16 both ways; the declaration's encoding is ignored (R1019).
    let plain = with_user_env(&op);
    v.push(case("utf8_without_bom", plain.clone(), Success));
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(plain.as_bytes());
    v.push(case("utf8_with_bom", bom, Success));
    let mut le = b"\xFF\xFE".to_vec();
    le.extend(plain.encode_utf16().flat_map(u16::to_le_bytes));
    v.push(Case { content_type: "text/xml; charset=utf-16", ..case("utf16le_with_bom", le, Success) });
    let mut be = b"\xFE\xFF".to_vec();
    be.extend(plain.encode_utf16().flat_map(u16::to_be_bytes));
    v.push(Case { content_type: "text/xml; charset=utf-16", ..case("utf16be_with_bom", be, Success) });
    let no_bom: Vec<u8> = plain.encode_utf16().flat_map(u16::to_be_bytes).collect();
    v.push(Case { content_type: "text/xml; charset=UTF-16", ..case("utf16_charset_without_bom", no_bom, Success) });
    let utf16_decl = format!("<?xml version='1.0' encoding='UTF-16'?>{plain}");
    v.push(case("utf8_declared_as_utf16_in_xml", utf16_decl, Success));
    let latin = || case("charset_iso_8859_1", plain.clone(), Status(415));
    v.push(Case { content_type: "text/xml; charset=iso-8859-1", ..latin() });
    v.push(Case {
        content_type: "text/xml; charset=shift_jis",
        ..case("charset_shift_jis", plain.clone(), Status(415))
    });
    v.push(Case { content_type: "application/json", ..case("media_type_json", plain.clone(), Status(415)) });
    let not_text = malformed("xml: the body is not valid UTF-8 or UTF-16 text");
    let mut bad = with_user_env(&with_user("own")).into_bytes();
    let at = bad.windows(3).position(|w| w == b"own").expect("marker") + 3;
    bad.splice(at..at, *b"\xC3\x28");
    v.push(case("invalid_utf8_bytes", bad.clone(), not_text));
    bad.splice(at..at + 2, *b"\xED\xA0\x80");
    v.push(case("utf8_encoded_surrogate", bad, not_text));
    let mut odd = b"\xFF\xFE".to_vec();
    odd.extend(plain.encode_utf16().flat_map(u16::to_le_bytes));
    odd.push(b'x');
    v.push(Case { content_type: "text/xml; charset=utf-16", ..case("utf16_odd_length", odd, not_text) });
    let mut lone: Vec<u8> = b"\xFF\xFE".to_vec();
    lone.extend([0xD800u16, u16::from(b'<')].iter().flat_map(|u| u.to_le_bytes()));
    v.push(Case { content_type: "text/xml; charset=utf-16", ..case("utf16_unpaired_surrogate", lone, not_text) });
    let nul = with_user_env(&with_user("own\u{0}er"));
    v.push(case("nul_byte", nul, malformed("xml: character U+0000 is not allowed")));
    let ctrl = with_user_env(&with_user("own\u{1b}er"));
    v.push(case("control_character", ctrl, malformed("xml: character U+001B is not allowed")));
    let ctrl_attr = header_then("<h a='\u{7}'/>");
    v.push(case("control_character_in_attribute", ctrl_attr, malformed("xml: character U+0007 is not allowed")));
    let ctrl_name = header_then("<h\u{8}/>");
    v.push(case("control_character_in_element_name", ctrl_name, malformed("xml: character U+0008 is not allowed")));
    let ctrl_comment = header_then("<!-- \u{0} -->");
    v.push(case("nul_in_comment", ctrl_comment, malformed("xml: character U+0000 is not allowed")));

    // Dispatch is on the body, never on SOAPAction.
    let named = "\"urn:usergate:1#DeleteUser\"";
    let mismatch =
        Case { soap_action: Some(named), ..case("soap_action_names_another_operation", plain.clone(), Success) };
    v.push(Case { expect: refused("SOAPAction: names DeleteUser but the body holds GetUser"), ..mismatch });
    v
}

fn with_user_env(op: &str) -> String {
    format!("<s:Envelope xmlns:s='{S11}' xmlns:u='urn:usergate:1'><s:Body>{op}</s:Body></s:Envelope>")
}

async fn send(app: &TestApp, c: &Case) -> Resp {
    let mut headers = vec![("Content-Type", c.content_type)];
    if let Some(a) = c.soap_action {
        headers.push(("SOAPAction", a));
    }
    app.http("POST", "/SOAP/", &headers, &c.body).await
}

/// Silences the default panic hook for the test-only trigger alone: with RUST_BACKTRACE set, printing a symbolized
/// backtrace of a debug build takes most of a second, which is the test's environment, not the server's answer
/// (the server logs the panic itself). Every other panic is reported as before.
fn quiet_trigger_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message =
                payload.downcast_ref::<String>().map(String::as_str).or(payload.downcast_ref::<&str>().copied());
            let trigger = message.is_some_and(|m| m.starts_with("test-only panic trigger"));
            if !trigger {
                default(info);
            }
        }));
    });
}

#[tokio::test]
async fn hostile_xml_corpus() {
    quiet_trigger_panics();
    let app = TestApp::spawn_with(|s| {
        s.body_limit = MAX_BODY_LIMIT;
        s.panic_on_user_name = Some("panic-now");
    })
    .await;
    let owner = app.owner_token().await;
    let mut cases = checked_in(&owner);
    cases.extend(generated(&owner));
    // A handler panic (test builds only): a Server fault, and the server keeps serving.
    let panic = envelope("GetUser", &format!("<token>{owner}</token><user_name>panic-now</user_name>"));
    cases.push(case(
        "handler_panic",
        panic,
        Fault { code: "soap:Server", err_cd: "INTERNAL_ERROR", info: "server: internal error" },
    ));
    cases.push(case(
        "served_after_the_panic",
        envelope("GetUser", &format!("<token>{owner}</token><user_name>owner</user_name>")),
        Success,
    ));

    let mut timings = Timings::default();
    let mut names = BTreeSet::new();
    let mut failures = Vec::new();
    for c in &cases {
        assert!(names.insert(c.name.clone()), "duplicate case name {}", c.name);
        let started = Instant::now();
        let r = send(&app, c).await;
        let took = started.elapsed();
        if let Err(e) = verdict(&r, c.expect) {
            failures.push(format!("{}: {}", c.name, e.chars().take(600).collect::<String>()));
        }
        timings.record(&c.name, took, BOUND);
    }
    assert!(failures.is_empty(), "{} hostile cases answered wrongly:\n{}", failures.len(), failures.join("\n"));
    let transport = transport_cases(&mut timings).await;
    timings.report();
    let total = cases.len() + transport;
    assert!(total >= 40, "the corpus has {total} cases");
}

/// Sends `head` (and `body`), then reads until the server closes; the answer, or `None` when it closed without one.
async fn exchange(addr: SocketAddr, head: &[u8], body: &[u8]) -> Option<Resp> {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(head).await.expect("write head");
    // The server may answer (and close) before the body is in: a failed write is part of the test.
    let _ = s.write_all(body).await;
    read_answer(&mut s).await
}

async fn read_answer(s: &mut (impl AsyncReadExt + Unpin)) -> Option<Resp> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    (!buf.is_empty()).then(|| crate::helpers::parse_response(&buf))
}

/// Sends `bytes` one at a time, `gap` apart, until the server closes the connection; returns what it answered
/// (if anything) and whether it closed before all bytes were sent.
async fn dribble(s: &mut TcpStream, bytes: &[u8], gap: Duration) -> (Option<Resp>, bool) {
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    for b in bytes {
        if s.write_all(&[*b]).await.is_err() {
            break;
        }
        match tokio::time::timeout(gap, s.read(&mut chunk)).await {
            Err(_) => continue,
            Ok(Ok(0)) | Ok(Err(_)) => {
                return ((!got.is_empty()).then(|| crate::helpers::parse_response(&got)), true);
            }
            Ok(Ok(n)) => {
                got.extend_from_slice(&chunk[..n]);
                // An answer came: read it to the end (the server closes after it).
                if let Some(rest) = read_answer(s).await {
                    let _ = rest;
                }
                return (Some(crate::helpers::parse_response(&got)), true);
            }
        }
    }
    ((!got.is_empty()).then(|| crate::helpers::parse_response(&got)), false)
}

/// The transport attacks, on a server with 1 s timeouts, the default body limit and a small connection cap.
/// Returns how many cases ran.
async fn transport_cases(timings: &mut Timings) -> usize {
    let cap = 4;
    let app = TestApp::spawn_with(|s| {
        s.header_timeout_secs = 1;
        s.body_timeout_secs = 1;
        s.max_connections = cap;
    })
    .await;
    let addr = app.addr;
    let limit = usergate::config::Settings::default().body_limit;
    let xml = envelope("SessionIsAlive", "<token>x</token>");
    let post = |extra: &str| {
        format!("POST /SOAP/ HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nConnection: close\r\n{extra}\r\n")
    };
    let mut n = 0;
    // Cases that wait for a timeout get the timeout plus the usual bound.
    let timed_bound = CUT_OFF + BOUND;

    // Content-Length over the limit: 413 from the headers alone, before any body byte is sent.
    for (name, len) in [("content_length_1_GiB", 1u64 << 30), ("content_length_limit_plus_1", limit as u64 + 1)] {
        let started = Instant::now();
        let r = exchange(addr, post(&format!("Content-Length: {len}\r\n")).as_bytes(), b"").await;
        check(name, &r.expect("an answer"), Status(413));
        timings.record(name, started.elapsed(), BOUND);
        n += 1;
    }

    // A chunked body with no end: stopped at the limit with 413 while the client keeps sending.
    let started = Instant::now();
    let s = TcpStream::connect(addr).await.expect("connect");
    let (mut rd, mut wr) = s.into_split();
    let reader = tokio::spawn(async move { read_answer(&mut rd).await });
    wr.write_all(post("Transfer-Encoding: chunked\r\n").as_bytes()).await.expect("head");
    let chunk = format!("{:x}\r\n{}\r\n", 4096, "x".repeat(4096));
    let mut offered = 0usize;
    while offered < 64 * limit && !reader.is_finished() {
        if wr.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
        offered += 4096;
    }
    let r = reader.await.expect("reader");
    check("chunked_endless_body", &r.expect("an answer"), Status(413));
    timings.record("chunked_endless_body", started.elapsed(), BOUND);
    drop(wr);
    n += 1;

    // 101 headers, and a head bigger than the 64 KiB head buffer: 431.
    let many: String = (0..101).map(|i| format!("X-H{i}: v\r\n")).collect();
    let huge = format!("X-Big: {}\r\n", "b".repeat(256 * 1024));
    for (name, extra) in [("headers_101", many), ("header_bytes_256_KiB", huge)] {
        let started = Instant::now();
        let head = post(&format!("{extra}Content-Length: {}\r\n", xml.len()));
        let r = exchange(addr, head.as_bytes(), xml.as_bytes()).await;
        check(name, &r.expect("an answer"), Status(431));
        timings.record(name, started.elapsed(), BOUND);
        n += 1;
    }

    // Slowloris: a header byte per 100 ms never finishes the head; the header timeout closes the connection.
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let head = post("Content-Length: 0\r\n").into_bytes();
    let (answer, closed) = dribble(&mut s, &head[..head.len() - 2], Duration::from_millis(100)).await;
    let took = started.elapsed();
    assert!(closed, "slowloris: still connected after {took:?}");
    assert!(answer.as_ref().is_none_or(|r| r.status == 408), "slowloris: {answer:?}");
    assert!(took >= CUT_OFF - Duration::from_millis(100), "slowloris cut before the timeout: {took:?}");
    timings.record("slowloris_headers", took, timed_bound);
    n += 1;

    // A connection that never sends a byte is closed by the same timeout.
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let r = tokio::time::timeout(timed_bound, read_answer(&mut s)).await.expect("idle connection closed");
    assert!(r.as_ref().is_none_or(|r| r.status == 408), "idle connection: {r:?}");
    timings.record("idle_connection", started.elapsed(), timed_bound);
    n += 1;

    // A slow body: complete headers, then a body byte per 100 ms; 408 at the body timeout, then closed.
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(post(&format!("Content-Length: {}\r\n", xml.len())).as_bytes()).await.expect("head");
    let (answer, closed) = dribble(&mut s, xml.as_bytes(), Duration::from_millis(100)).await;
    assert!(closed, "slow body: still connected after {:?}", started.elapsed());
    check("slow_body", &answer.expect("an answer"), Status(408));
    timings.record("slow_body", started.elapsed(), timed_bound);
    n += 1;

    // More connections than the cap: the extra ones wait in the backlog, the idle ones are cut by the header
    // timeout, and a real request still gets through.
    let started = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..cap + 2 {
        idle.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let r = tokio::time::timeout(timed_bound, app.post_xml(&xml, None)).await.expect("served despite the cap");
    check("connections_over_cap", &r, client("INVALID_DATA", "login: Bad or expired token"));
    timings.record("connections_over_cap", started.elapsed(), timed_bound);
    drop(idle);
    n += 1;
    n
}

/// The caps are settings, not constants: tightened ones are what answers.
#[tokio::test]
async fn xml_caps_follow_the_settings() {
    let app = TestApp::spawn_with(|s| {
        s.xml_max_depth = 8;
        s.xml_max_attributes = 2;
        s.xml_max_text_bytes = 16;
        s.xml_max_children = 3;
        s.xml_max_elements = 12;
        s.xml_max_name_bytes = 24;
        s.xml_max_attribute_bytes = 64;
        s.xml_max_namespaces = 3;
    })
    .await;
    let alive = "<u:SessionIsAliveRequest><token>x</token></u:SessionIsAliveRequest>";
    let cases: &[(String, &str)] = &[
        (env_with(&("<d>".repeat(7) + &"</d>".repeat(7)), alive), "xml: nesting deeper than 8"),
        (env_with("<h a='1' b='2' c='3'/>", alive), "xml: more than 2 attributes on h"),
        (env_with(&format!("<h>{}</h>", "t".repeat(17)), alive), "xml: text longer than 16 bytes"),
        (env_with("<h><c/><c/><c/><c/></h>", alive), "xml: more than 3 children in one element"),
        (env_with("<h><c/><c/></h><h><c/><c/></h><h><c/><c/></h>", alive), "xml: more than 12 elements"),
        (env_with(&format!("<{}/>", "n".repeat(25)), alive), "xml: element name longer than 24 bytes"),
        (env_with(&format!("<h a='{}'/>", "v".repeat(65)), alive), "xml: attribute longer than 64 bytes"),
        (env_with("<h xmlns:a='urn:a' xmlns:b='urn:b'/>", alive), "xml: more than 3 namespace declarations"),
    ];
    for (xml, info) in cases {
        let r = app.post_xml(xml, None).await;
        check(info, &r, refused(info));
    }
    // Within every cap, the request reaches the operation (a made-up token is refused there).
    let r = app.post_xml(&env_with("<h a='1'><c/></h>", alive), None).await;
    check("within the caps", &r, client("INVALID_DATA", "login: Bad or expired token"));
}

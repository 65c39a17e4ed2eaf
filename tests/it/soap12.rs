//! SOAP 1.2 on the one endpoint: answers in 1.2, Sender/Receiver faults and their HTTP statuses, VersionMismatch with
//! its Upgrade header, MustUnderstand with NotUnderstood, the Content-Type's version and `action` parameter.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{QName, ResolveResult};

use crate::helpers::{Resp, TestApp};

const S11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const S12: &str = "http://www.w3.org/2003/05/soap-envelope";
const SOAP12: &str = "application/soap+xml; charset=utf-8";

fn env12(op: &str, children: &str) -> String {
    format!(
        "<env:Envelope xmlns:env=\"{S12}\" xmlns:u=\"urn:usergate:1\"><env:Body><u:{op}Request>{children}</u:{op}Request></env:Body></env:Envelope>"
    )
}

fn env11(op: &str, children: &str) -> String {
    format!(
        "<s:Envelope xmlns:s=\"{S11}\" xmlns:u=\"urn:usergate:1\"><s:Body><u:{op}Request>{children}</u:{op}Request></s:Body></s:Envelope>"
    )
}

async fn post(app: &TestApp, content_type: Option<&str>, soap_action: Option<&str>, body: &str) -> Resp {
    let mut headers = Vec::new();
    if let Some(c) = content_type {
        headers.push(("Content-Type", c));
    }
    if let Some(a) = soap_action {
        headers.push(("SOAPAction", a));
    }
    app.http("POST", "/SOAP/", &headers, body.as_bytes()).await
}

/// One element as a namespace-aware reader sees it: {namespace}local, and its `qname` attribute resolved the same way.
#[derive(Debug, PartialEq)]
struct Seen {
    name: String,
    qname: Option<String>,
}

fn resolved(res: ResolveResult<'_>, local: &str) -> String {
    match res {
        ResolveResult::Bound(n) => format!("{{{}}}{local}", n.0),
        _ => format!("{{}}{local}"),
    }
}

/// Every element of `xml`, in document order, namespace-resolved (prefixes do not matter, bindings do).
fn elements(xml: &str) -> Vec<Seen> {
    let mut r = NsReader::from_str(xml);
    let mut out = Vec::new();
    loop {
        let (res, ev) = r.read_resolved_event().expect("answer is XML");
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref().as_bytes()).into_owned();
                let name = resolved(res, &local);
                let qname = e
                    .attributes()
                    .flatten()
                    .find(|a| {
                        let k: &str = a.key.as_ref();
                        k == "qname"
                    })
                    .map(|a| {
                        let v = a.value.to_string();
                        let (res, local) = r.resolver().resolve_element(QName(&v));
                        let local = String::from_utf8_lossy(local.as_ref().as_bytes()).into_owned();
                        resolved(res, &local)
                    });
                out.push(Seen { name, qname });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn names(xml: &str) -> Vec<String> {
    elements(xml).into_iter().map(|s| s.name).collect()
}

fn qnames_of(xml: &str, element: &str) -> Vec<String> {
    elements(xml).into_iter().filter(|s| s.name == element).filter_map(|s| s.qname).collect()
}

#[track_caller]
fn assert_fault12(r: &Resp, status: u16, code: &str, err_cd: &str, info_prefix: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(r.header("content-type").is_some_and(|c| c == SOAP12), "{:?}", r.header("content-type"));
    let seen = names(&r.body);
    for part in ["Envelope", "Body", "Fault", "Code", "Value", "Reason", "Text", "Detail"] {
        assert!(seen.contains(&format!("{{{S12}}}{part}")), "no env:{part} in {}", r.body);
    }
    assert_eq!(r.field("soap:Value").as_deref(), Some(code), "{}", r.body);
    assert_eq!(r.err_cd().as_deref(), Some(err_cd), "{}", r.body);
    assert!(r.info().starts_with(info_prefix), "info {:?} should start with {info_prefix:?}", r.info());
}

#[tokio::test]
async fn soap12_requests_are_answered_in_soap12() {
    let app = TestApp::spawn().await;
    let login = env12(
        "SessionLogin",
        "<user_name>owner</user_name><customer_name>default</customer_name><password>ownerpass1</password>",
    );
    let r = post(&app, Some(SOAP12), None, &login).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.header("content-type"), Some(SOAP12));
    let seen = names(&r.body);
    assert_eq!(seen[..2], [format!("{{{S12}}}Envelope"), format!("{{{S12}}}Body")]);
    assert_eq!(seen[2], "{urn:usergate:1}SessionLoginResponse");
    let token = r.field("token").expect("token");
    // Without a Content-Type the envelope alone says the version.
    let get = env12("GetUser", &format!("<token>{token}</token><user_name>owner</user_name>"));
    let r = post(&app, None, None, &get).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.header("content-type"), Some(SOAP12));
    assert_eq!(r.data_field("user_name").as_deref(), Some("owner"));
}

#[tokio::test]
async fn sender_faults_are_400_and_receiver_faults_500() {
    let app = TestApp::spawn_with(|s| s.search_limit = 1).await;
    let token = app.owner_token().await;
    let r = post(
        &app,
        Some(SOAP12),
        None,
        &env12("GetUser", &format!("<token>{token}</token><user_name>nobody</user_name>")),
    )
    .await;
    assert_fault12(&r, 400, "soap:Sender", "NOT_FOUND", "user_name: no such user");
    let r = post(&app, Some(SOAP12), None, &env12("GetUser", &format!("<token>{token}</token><bogus/>"))).await;
    assert_fault12(&r, 400, "soap:Sender", "INVALID_DATA", "bogus:");
    // With fault_incompat=1 the same failure is a 1.2 response with status=failure.
    let fi = env12(
        "GetUser",
        &format!("<token>{token}</token><fault_incompat>1</fault_incompat><user_name>nobody</user_name>"),
    );
    let r = post(&app, Some(SOAP12), None, &fi).await;
    assert_eq!((r.status, r.field("status").as_deref()), (200, Some("failure")), "{}", r.body);
    assert_eq!(r.header("content-type"), Some(SOAP12));
    // Two users match a search capped at one: OPERATION_FAILED, the server's side, so Receiver and HTTP 500.
    assert!(app.create_user(&token, "second", "second-pass-1", "").await.is_success());
    let r = post(&app, Some(SOAP12), None, &env12("GetUsers", &format!("<token>{token}</token>"))).await;
    assert_fault12(&r, 500, "soap:Receiver", "OPERATION_FAILED", "search:");
    // Not XML at all, and a body that is not UTF-8: still Sender faults in the Content-Type's version.
    let r = post(&app, Some(SOAP12), None, "<env:Envelope").await;
    assert_fault12(&r, 400, "soap:Sender", "INVALID_DATA", "xml:");
    let r = app.http("POST", "/SOAP/", &[("Content-Type", SOAP12)], b"\xff\xfe\xfd").await;
    assert_fault12(&r, 400, "soap:Sender", "INVALID_DATA", "xml:");
}

#[tokio::test]
async fn version_mismatch_names_both_envelopes_in_an_upgrade_header() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let alive = |env: fn(&str, &str) -> String| env("SessionIsAlive", &format!("<token>{token}</token>"));
    let unknown = "<e:Envelope xmlns:e='urn:not-soap'><e:Body/></e:Envelope>".to_owned();
    // (Content-Type, body, the version the fault must be in, info prefix)
    let cases = [
        (Some("text/xml; charset=utf-8"), alive(env12), S11, "envelope: a SOAP 1.2 envelope sent as text/xml"),
        (Some(SOAP12), alive(env11), S12, "envelope: a SOAP 1.1 envelope sent as application/soap+xml"),
        (Some(SOAP12), unknown.clone(), S12, "envelope: unknown SOAP envelope namespace"),
        (Some("text/xml"), unknown.clone(), S11, "envelope: unknown SOAP envelope namespace"),
        (None, unknown, S11, "envelope: unknown SOAP envelope namespace"),
    ];
    for (content_type, body, version, info) in cases {
        let r = post(&app, content_type, None, &body).await;
        let what = format!("{content_type:?} {body}");
        assert_eq!(r.status, 500, "{what}: {}", r.body);
        let seen = names(&r.body);
        assert_eq!(
            seen[..3],
            [format!("{{{version}}}Envelope"), format!("{{{version}}}Header"), format!("{{{S12}}}Upgrade")],
            "{what}"
        );
        assert_eq!(
            qnames_of(&r.body, &format!("{{{S12}}}SupportedEnvelope")),
            [format!("{{{S12}}}Envelope"), format!("{{{S11}}}Envelope")],
            "{what}: {}",
            r.body
        );
        assert!(r.body.contains(":VersionMismatch<"), "{what}: {}", r.body);
        assert_eq!(r.err_cd().as_deref(), Some("INVALID_REQUEST"));
        assert!(r.info().starts_with(info), "{what}: {}", r.info());
        let want_type = if version == S12 { SOAP12 } else { "text/xml; charset=utf-8" };
        assert_eq!(r.header("content-type"), Some(want_type), "{what}");
    }
    // Matching versions are not a mismatch.
    assert!(post(&app, Some("text/xml"), None, &alive(env11)).await.is_success());
    assert!(post(&app, Some("application/soap+xml"), None, &alive(env12)).await.is_success());
}

#[tokio::test]
async fn must_understand_lists_every_mandatory_header_not_understood() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let with_headers = |headers: &str| {
        format!(
            "<env:Envelope xmlns:env=\"{S12}\" xmlns:u=\"urn:usergate:1\"><env:Header>{headers}</env:Header><env:Body><u:SessionIsAliveRequest><token>{token}</token></u:SessionIsAliveRequest></env:Body></env:Envelope>"
        )
    };
    let headers = "<a:Tx xmlns:a='urn:a' env:mustUnderstand='true'>1</a:Tx>\
        <b:Sig xmlns:b='urn:b' env:mustUnderstand='1' env:role='http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver'/>\
        <c:Hop xmlns:c='urn:c' env:mustUnderstand='true' env:role='http://www.w3.org/2003/05/soap-envelope/role/next'/>\
        <d:Nobody xmlns:d='urn:d' env:mustUnderstand='true' env:role='http://www.w3.org/2003/05/soap-envelope/role/none'/>\
        <e:Auditor xmlns:e='urn:e' env:mustUnderstand='true' env:role='urn:example:auditor'/>\
        <f:Optional xmlns:f='urn:f' env:mustUnderstand='false'/>\
        <w:Action xmlns:w='http://www.w3.org/2005/08/addressing' env:mustUnderstand='true'>urn:usergate:1#SessionIsAlive</w:Action>";
    let r = post(&app, Some(SOAP12), None, &with_headers(headers)).await;
    assert_eq!(r.status, 500, "MustUnderstand is not a Sender fault: {}", r.body);
    assert_eq!(r.field("soap:Value").as_deref(), Some("soap:MustUnderstand"), "{}", r.body);
    assert_eq!(
        qnames_of(&r.body, &format!("{{{S12}}}NotUnderstood")),
        ["{urn:a}Tx", "{urn:b}Sig", "{urn:c}Hop"],
        "only mandatory headers addressed to us, WS-Addressing excepted: {}",
        r.body
    );
    assert!(r.info().starts_with("header: Tx, Sig, Hop are mandatory but not understood"), "{}", r.info());
    let seen = names(&r.body);
    assert_eq!(seen[1], format!("{{{S12}}}Header"), "NotUnderstood blocks go in the Header");
    // Headers for other roles, optional ones and WS-Addressing alone: the request runs.
    let fine = "<d:Nobody xmlns:d='urn:d' env:mustUnderstand='true' env:role='http://www.w3.org/2003/05/soap-envelope/role/none'/>\
        <e:Auditor xmlns:e='urn:e' env:mustUnderstand='true' env:role='urn:example:auditor'/><f:Optional xmlns:f='urn:f' env:mustUnderstand='0'/>";
    assert!(post(&app, Some(SOAP12), None, &with_headers(fine)).await.is_success());
    // SOAP 1.1: actor plays the part of role; the 1.1 fault stays as it was (no NotUnderstood blocks).
    let v11 = |h: &str| {
        format!(
            "<s:Envelope xmlns:s=\"{S11}\" xmlns:u=\"urn:usergate:1\"><s:Header>{h}</s:Header><s:Body><u:SessionIsAliveRequest><token>{token}</token></u:SessionIsAliveRequest></s:Body></s:Envelope>"
        )
    };
    let other_actor = "<x:Sec xmlns:x='urn:x' s:mustUnderstand='1' s:actor='urn:example:firewall'/>";
    assert!(post(&app, Some("text/xml"), None, &v11(other_actor)).await.is_success());
    let next = "<x:Sec xmlns:x='urn:x' s:mustUnderstand='1' s:actor='http://schemas.xmlsoap.org/soap/actor/next'/>";
    let r = post(&app, Some("text/xml"), None, &v11(next)).await;
    assert!(r.body.contains("<faultcode>soap:MustUnderstand</faultcode>"), "{}", r.body);
    assert!(!r.body.contains("NotUnderstood"), "{}", r.body);
}

#[tokio::test]
async fn the_action_parameter_is_optional_and_checked_like_soapaction() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let get = env12("GetUser", &format!("<token>{token}</token><user_name>owner</user_name>"));
    let ok = [
        "application/soap+xml",
        "application/soap+xml; charset=utf-8",
        "application/soap+xml; charset=utf-8; action=\"urn:usergate:1#GetUser\"",
        "application/soap+xml;action=urn:usergate:1#GetUser;charset=utf-8",
        "application/soap+xml; action=\"\"",
        "application/soap+xml; action=\"urn:other#DeleteUser\"",
        // SOAP::Lite's default: uri#method, the method being the request element.
        "application/soap+xml; action=\"urn:usergate:1#GetUserRequest\"",
    ];
    for content_type in ok {
        let r = post(&app, Some(content_type), None, &get).await;
        assert!(r.is_success(), "{content_type}: {}", r.body);
    }
    let r = post(&app, Some("application/soap+xml; action=\"urn:usergate:1#DeleteUser\""), None, &get).await;
    assert_fault12(&r, 400, "soap:Sender", "INVALID_REQUEST", "action: names DeleteUser but the body holds GetUser");
    let r = post(&app, Some("application/soap+xml; action=urn:usergate:1#DeleteUserRequest"), None, &get).await;
    assert_fault12(&r, 400, "soap:Sender", "INVALID_REQUEST", "action: names DeleteUser");
    // A SOAPAction header beside a 1.2 request (zeep, gSOAP, SOAP::Lite send one) is checked too.
    let r = post(&app, Some(SOAP12), Some("\"urn:usergate:1#DeleteUser\""), &get).await;
    assert_fault12(&r, 400, "soap:Sender", "INVALID_REQUEST", "SOAPAction: names DeleteUser");
    let both = "application/soap+xml; action=\"urn:usergate:1#GetUser\"";
    assert!(post(&app, Some(both), Some("\"urn:usergate:1#GetUser\""), &get).await.is_success());
    // The refused request did nothing: the owner is still there.
    let r = post(&app, Some(SOAP12), None, &get).await;
    assert_eq!(r.data_field("user_name").as_deref(), Some("owner"));
}

#[tokio::test]
async fn the_wsdl_offers_a_soap12_port_at_the_same_address() {
    let app = TestApp::spawn().await;
    let r = app.http("GET", "/SOAP/?wsdl", &[], b"").await;
    assert_eq!(r.status, 200);
    let location = format!("location=\"http://{}/SOAP/\"", app.addr);
    assert_eq!(r.body.matches(&location).count(), 2, "both ports point at us: {}", r.body);
    assert!(r.body.contains(&format!("<soap12:address {location}/>")), "{}", r.body);
    assert!(r.body.contains("<wsdl:port name=\"UsergatePort12\" binding=\"tns:UsergateBinding12\">"));
    assert!(r.body.contains("xmlns:soap12=\"http://schemas.xmlsoap.org/wsdl/soap12/\""));
}

//! The wire: envelope faults, SOAPAction, headers, charsets, HTTP limits and routes.

use crate::helpers::{TestApp, envelope};

const S11: &str = "http://schemas.xmlsoap.org/soap/envelope/";

#[tokio::test]
async fn bad_envelopes_get_the_right_fault() {
    let app = TestApp::spawn().await;
    let alive = "<u:SessionIsAliveRequest><token>x</token></u:SessionIsAliveRequest>";
    let cases: Vec<(String, &str, &str)> = vec![
        ("<!DOCTYPE x [<!ENTITY e 'boom'>]><x>&e;</x>".into(), "INVALID_REQUEST", "xml: DTDs are not allowed"),
        ("<not xml".into(), "INVALID_DATA", "xml:"),
        (
            format!("<s:Envelope xmlns:s='{S11}'><s:Header/></s:Envelope>"),
            "INVALID_REQUEST",
            "envelope: Body is missing",
        ),
        (format!("<s:Envelope xmlns:s='{S11}'><s:Body/></s:Envelope>"), "INVALID_REQUEST", "envelope: Body is empty"),
        (
            format!(
                "<s:Envelope xmlns:s='{S11}' xmlns:u='urn:usergate:1'><s:Body>{alive}</s:Body><s:Body>{alive}</s:Body></s:Envelope>"
            ),
            "INVALID_REQUEST",
            "envelope: only one Body",
        ),
        (
            format!(
                "<s:Envelope xmlns:s='{S11}' xmlns:u='urn:usergate:1'><s:Body>{alive}{alive}</s:Body></s:Envelope>"
            ),
            "INVALID_REQUEST",
            "envelope: Body holds more than one element",
        ),
        (
            format!("<s:Envelope xmlns:s='{S11}' xmlns:u='urn:usergate:1'><s:Body>{alive}</s:Body></s:Envelope><x/>"),
            "INVALID_REQUEST",
            "envelope: content after",
        ),
        (
            format!(
                "<s:Envelope xmlns:s='{S11}' xmlns:u='urn:usergate:1'><s:Body>{alive}</s:Body></s:Envelope>trailing"
            ),
            "INVALID_REQUEST",
            "envelope:",
        ),
        (
            format!(
                "<s:Envelope xmlns:s='{S11}' xmlns:u='urn:usergate:1'><s:Body><u:FlyRequest/></s:Body></s:Envelope>"
            ),
            "INVALID_REQUEST",
            "operation: unknown operation FlyRequest",
        ),
        (
            format!("<s:Envelope xmlns:s='{S11}'><s:Body><GetUserRequest/></s:Body></s:Envelope>"),
            "INVALID_REQUEST",
            "operation: unknown",
        ),
        (
            format!("<s:Envelope xmlns:s='{S11}'><s:Body><s:Fault/></s:Body></s:Envelope>"),
            "INVALID_REQUEST",
            "envelope: a Fault is not a request",
        ),
        (format!("<?pi x?><s:Envelope xmlns:s='{S11}'/>"), "INVALID_REQUEST", "xml: processing instructions"),
        ("<Other/>".into(), "INVALID_REQUEST", "envelope: the root element"),
    ];
    for (xml, code, prefix) in cases {
        let r = app.post_xml(&xml, None).await;
        assert_eq!(r.status, 500, "{xml}: {}", r.body);
        assert!(r.body.contains("<faultcode>soap:Client</faultcode>"), "{xml}: {}", r.body);
        assert_eq!(r.err_cd().as_deref(), Some(code), "{xml}: {}", r.body);
        assert!(r.info().starts_with(prefix), "{xml}: {}", r.info());
        assert!(r.field("job_id").is_some(), "faults carry a job id");
    }
}

#[tokio::test]
async fn version_mismatch_and_must_understand() {
    let app = TestApp::spawn().await;
    let r = app.post_xml("<e:Envelope xmlns:e='urn:not-soap'><e:Body/></e:Envelope>", None).await;
    assert!(r.body.contains("<faultcode>soap:VersionMismatch</faultcode>"), "{}", r.body);
    let header = |h: &str| {
        format!(
            "<s:Envelope xmlns:s='{S11}' xmlns:u='urn:usergate:1'><s:Header>{h}</s:Header><s:Body><u:SessionIsAliveRequest><token>x</token></u:SessionIsAliveRequest></s:Body></s:Envelope>"
        )
    };
    for mu in ["1", "true"] {
        let r = app.post_xml(&header(&format!("<x:Sec xmlns:x='urn:x' s:mustUnderstand='{mu}'/>")), None).await;
        assert!(r.body.contains("<faultcode>soap:MustUnderstand</faultcode>"), "{}", r.body);
    }
    let wsa = "<wsa:Action xmlns:wsa='http://www.w3.org/2005/08/addressing' s:mustUnderstand='1'>urn:usergate:1#SessionIsAlive</wsa:Action>";
    let r = app.post_xml(&header(wsa), None).await;
    assert_eq!(r.err_cd().as_deref(), Some("INVALID_DATA"), "WS-Addressing passes, the dead token fails: {}", r.body);
    let r = app.post_xml(&header("<x:Info xmlns:x='urn:x' s:mustUnderstand='0'>ignored</x:Info>"), None).await;
    assert_eq!(r.err_cd().as_deref(), Some("INVALID_DATA"), "{}", r.body);
}

#[tokio::test]
async fn soap_action_is_checked_not_used_for_dispatch() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let xml = envelope("GetUser", &format!("<token>{owner}</token><user_name>owner</user_name>"));
    for ok in [
        None,
        Some(""),
        Some("\"\""),
        Some("urn:usergate:1#GetUser"),
        Some("\"urn:usergate:1#GetUser\""),
        Some("anything"),
    ] {
        let r = app.post_xml(&xml, ok).await;
        assert!(r.is_success(), "SOAPAction {ok:?}: {}", r.body);
    }
    let r = app.post_xml(&xml, Some("\"urn:usergate:1#DeleteUser\"")).await;
    r.assert_fault("INVALID_REQUEST", "SOAPAction: names DeleteUser but the body holds GetUser");
    // The SOAP 1.2 `action` parameter is checked the same way (a 1.2 envelope: the media type says 1.2).
    let xml12 = xml.replace(S11, "http://www.w3.org/2003/05/soap-envelope");
    let r = app
        .http(
            "POST",
            "/SOAP/",
            &[("Content-Type", "application/soap+xml; action=\"urn:usergate:1#DeleteUser\"")],
            xml12.as_bytes(),
        )
        .await;
    assert_eq!(r.err_cd().as_deref(), Some("INVALID_REQUEST"));
    assert!(r.info().starts_with("action: names DeleteUser but the body holds GetUser"), "{}", r.info());
}

#[tokio::test]
async fn client_envelope_styles_are_accepted() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    // suds: the envelope namespace bound to two prefixes, an empty Header, an XML declaration.
    let suds = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><SOAP-ENV:Envelope xmlns:SOAP-ENV=\"{S11}\" xmlns:ns0=\"urn:usergate:1\" xmlns:ns1=\"{S11}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><SOAP-ENV:Header/><ns1:Body><ns0:GetUserRequest><token>{owner}</token><user_name>owner</user_name></ns0:GetUserRequest></ns1:Body></SOAP-ENV:Envelope>"
    );
    assert!(app.post_xml(&suds, None).await.is_success());
    // SOAP::Lite-like: default namespace on the operation, so the children are qualified.
    let lite = format!(
        "<soap:Envelope xmlns:soap=\"{S11}\"><soap:Body>\n  <GetUserRequest xmlns=\"urn:usergate:1\">\n    <user_name>owner</user_name>\n    <token>{owner}</token>\n  </GetUserRequest>\n</soap:Body></soap:Envelope>\n"
    );
    assert!(app.post_xml(&lite, None).await.is_success());
    // SOAP 1.2 envelope: answered in 1.2.
    let v12 = format!(
        "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:u=\"urn:usergate:1\"><e:Body><u:GetUserRequest><token>{owner}</token><user_name>owner</user_name></u:GetUserRequest></e:Body></e:Envelope>"
    );
    let r =
        app.http("POST", "/SOAP/", &[("Content-Type", "application/soap+xml; charset=utf-8")], v12.as_bytes()).await;
    assert!(r.is_success(), "{}", r.body);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/soap+xml")));
}

#[tokio::test]
async fn charsets() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let xml = envelope("GetUser", &format!("<token>{owner}</token><user_name>owner</user_name>"));
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(xml.as_bytes());
    let r = app.http("POST", "/SOAP/", &[("Content-Type", "text/xml; charset=utf-8")], &bom).await;
    assert!(r.is_success(), "UTF-8 with BOM: {}", r.body);
    let mut utf16 = b"\xFF\xFE".to_vec();
    utf16.extend(xml.encode_utf16().flat_map(u16::to_le_bytes));
    let r = app.http("POST", "/SOAP/", &[("Content-Type", "text/xml; charset=utf-16")], &utf16).await;
    assert!(r.is_success(), "UTF-16LE with BOM: {}", r.body);
    let be: Vec<u8> = xml.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let r = app.http("POST", "/SOAP/", &[("Content-Type", "text/xml; charset=UTF-16")], &be).await;
    assert!(r.is_success(), "UTF-16 without BOM is big-endian: {}", r.body);
    let r = app.http("POST", "/SOAP/", &[("Content-Type", "text/xml; charset=iso-8859-1")], xml.as_bytes()).await;
    assert_eq!(r.status, 415);
    let r = app.http("POST", "/SOAP/", &[("Content-Type", "application/json")], xml.as_bytes()).await;
    assert_eq!(r.status, 415);
    let mut bad = xml.clone().into_bytes();
    bad.extend_from_slice(b"\xFF\xFE\xFD");
    let r = app.http("POST", "/SOAP/", &[("Content-Type", "text/xml")], &bad).await;
    assert_eq!(r.err_cd().as_deref(), Some("INVALID_DATA"), "{}", r.body);
    let nul = envelope("GetUser", &format!("<token>{owner}</token><user_name>own\u{0}er</user_name>"));
    let r = app.post_xml(&nul, None).await;
    assert_eq!(r.err_cd().as_deref(), Some("INVALID_DATA"), "{}", r.body);
}

#[tokio::test]
async fn http_limits_and_routes() {
    let app = TestApp::spawn_with(|s| s.body_limit = 2048).await;
    let big = envelope("SessionIsAlive", &format!("<token>{}</token>", "x".repeat(4096)));
    let r = app.post_xml(&big, None).await;
    assert_eq!(r.status, 413, "Content-Length over the limit");
    let chunked = format!(
        "POST /SOAP/ HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    assert_eq!(app.raw(chunked.as_bytes()).await.status, 413, "chunked body over the limit");
    assert_eq!(app.http("GET", "/SOAP/", &[], b"").await.status, 405);
    assert_eq!(app.http("PUT", "/", &[], b"").await.status, 405);
    assert_eq!(app.http("GET", "/nope", &[], b"").await.status, 404);
    assert_eq!(app.http("GET", "/healthz", &[], b"").await.status, 200);
    for path in ["/SOAP/?wsdl", "/SOAP?WSDL", "/?wsdl", "/wsdl/usergate.wsdl"] {
        let r = app.http("GET", path, &[], b"").await;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.body.contains(&format!("location=\"http://{}/SOAP/\"", app.addr)), "{path}: soap:address rewritten");
        assert!(r.body.contains("urn:usergate:1#UpdateUserPassword"));
    }
    let headers: Vec<(String, String)> = (0..101).map(|i| (format!("X-H{i}"), "v".to_string())).collect();
    let mut req = String::from("POST /SOAP/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (k, v) in &headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("Content-Length: 0\r\n\r\n");
    assert_eq!(app.raw(req.as_bytes()).await.status, 431);
}

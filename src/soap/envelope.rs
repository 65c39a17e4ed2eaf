//! Reading a SOAP envelope: version, mandatory headers, and the Body's one operation element; then `finish`
//! proves nothing follows it.

use super::xml::{Elem, Node, Ns, XmlError, XmlLimits, XmlReader};
use super::{Fault, FaultCode, Version};

/// An envelope read up to the start of the operation element; the message layer continues with `reader`.
pub struct Envelope<'a> {
    pub version: Version,
    pub operation: Elem,
    pub reader: XmlReader<'a>,
}

impl From<XmlError> for Fault {
    fn from(e: XmlError) -> Self {
        match e {
            XmlError::Malformed(m) => Fault::client("INVALID_DATA", format!("xml: {m}")),
            XmlError::Refused(m) => Fault::client("INVALID_REQUEST", format!("xml: {m}")),
        }
    }
}

fn bad_envelope(version: Version, msg: &str) -> Fault {
    Fault::client("INVALID_REQUEST", format!("envelope: {msg}")).in_version(version)
}

fn next_element<'a>(r: &mut XmlReader<'a>, version: Version, context: &str) -> Result<Option<Elem>, Fault> {
    loop {
        match r.next_node().map_err(|e| Fault::from(e).in_version(version))? {
            Node::Start(e) => return Ok(Some(e)),
            Node::Text(t) if t.trim().is_empty() => {}
            Node::Text(_) => {
                return Err(bad_envelope(version, &format!("text is not allowed in {context}")));
            }
            Node::End | Node::Eof => return Ok(None),
        }
    }
}

/// Reads up to the operation element. Dispatch is on its namespace-qualified name, never on SOAPAction.
/// Faults found before the envelope's version is known are SOAP 1.1.
pub fn open(body: &str, limits: XmlLimits) -> Result<Envelope<'_>, Fault> {
    open_as(body, limits, Version::V11)
}

/// `open`, where `outer` is the version the transport announced (the Content-Type): faults found before the
/// envelope's own version is known are in it, and an envelope of the other version is a VersionMismatch in it.
pub fn open_as(body: &str, limits: XmlLimits, outer: Version) -> Result<Envelope<'_>, Fault> {
    let mut r = XmlReader::new(body, limits);
    let root =
        next_element(&mut r, outer, "the document")?.ok_or_else(|| bad_envelope(outer, "no Envelope element"))?;
    let version = match (root.ns, root.local.as_str()) {
        (Ns::Soap11, "Envelope") => Version::V11,
        (Ns::Soap12, "Envelope") => Version::V12,
        (_, "Envelope") => {
            let fault = Fault::new(FaultCode::VersionMismatch, "envelope: unknown SOAP envelope namespace");
            return Err(fault.in_version(outer));
        }
        _ => {
            return Err(bad_envelope(outer, "the root element must be a SOAP Envelope"));
        }
    };
    let env_ns = root.ns;
    let mut first = next_element(&mut r, version, "Envelope")?;
    if first.as_ref().is_some_and(|e| e.ns == env_ns && e.local == "Header") {
        read_headers(&mut r, version)?;
        first = next_element(&mut r, version, "Envelope")?;
    }
    match first {
        Some(e) if e.ns == env_ns && e.local == "Body" => {}
        Some(e) => {
            return Err(bad_envelope(version, &format!("expected Body, found {}", e.local)));
        }
        None => return Err(bad_envelope(version, "Body is missing")),
    }
    let operation = next_element(&mut r, version, "Body")?.ok_or_else(|| bad_envelope(version, "Body is empty"))?;
    if operation.ns == env_ns && operation.local == "Fault" {
        return Err(bad_envelope(version, "a Fault is not a request"));
    }
    Ok(Envelope { version, operation, reader: r })
}

/// Headers we understand: WS-Addressing. Any other header marked mustUnderstand and addressed to us (no role or
/// actor, or one we play) is a MustUnderstand fault naming every such header.
fn read_headers(r: &mut XmlReader<'_>, version: Version) -> Result<(), Fault> {
    let mut not_understood: Vec<(Box<str>, String)> = Vec::new();
    while let Some(h) = next_element(r, version, "Header")? {
        if h.must_understand && h.targets_us && h.ns != Ns::Wsa {
            not_understood.push((h.mandatory_ns.unwrap_or_default(), h.local));
        }
        r.skip_element().map_err(|e| Fault::from(e).in_version(version))?;
    }
    if not_understood.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = not_understood.iter().map(|(_, local)| local.as_str()).collect();
    let verb = if names.len() == 1 { "is" } else { "are" };
    let info = format!("header: {} {verb} mandatory but not understood", names.join(", "));
    let mut fault = Fault::new(FaultCode::MustUnderstand, info).in_version(version);
    fault.not_understood = not_understood;
    Err(fault)
}

/// After the operation element's End: only whitespace, then `</Body></Envelope>`, then nothing.
pub fn finish(r: &mut XmlReader<'_>, version: Version) -> Result<(), Fault> {
    if next_element(r, version, "Body")?.is_some() {
        return Err(bad_envelope(version, "Body holds more than one element"));
    }
    match next_element(r, version, "Envelope")? {
        None => {}
        Some(e) if e.local == "Body" => return Err(bad_envelope(version, "only one Body is allowed")),
        Some(e) => return Err(bad_envelope(version, &format!("unexpected element {} after Body", e.local))),
    }
    // At depth 0 the only way to get `None` is the end of input.
    match next_element(r, version, "the document")? {
        None => Ok(()),
        Some(_) => Err(bad_envelope(version, "content after the Envelope")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap::xml::{SOAP11_NS, SOAP12_NS};

    fn env(ns: &str, header: &str) -> String {
        format!(
            "<e:Envelope xmlns:e='{ns}' xmlns:u='urn:usergate:1'><e:Header>{header}</e:Header><e:Body><u:GetUserRequest/></e:Body></e:Envelope>"
        )
    }

    fn open_err(body: &str, outer: Version) -> Fault {
        match open_as(body, XmlLimits::default(), outer) {
            Ok(_) => panic!("{body} opened"),
            Err(f) => f,
        }
    }

    #[test]
    fn the_envelope_namespace_selects_the_version() {
        let v11 = open_as(&env(SOAP11_NS, ""), XmlLimits::default(), Version::V12).map(|e| e.version);
        assert_eq!(v11.ok(), Some(Version::V11), "the envelope decides; the caller compares with the media type");
        let v12 = open(&env(SOAP12_NS, ""), XmlLimits::default()).map(|e| e.version);
        assert_eq!(v12.ok(), Some(Version::V12));
    }

    #[test]
    fn faults_before_the_version_is_known_are_in_the_outer_version() {
        let f = open_err(&env("urn:not-soap", ""), Version::V12);
        assert_eq!((f.code, f.version), (FaultCode::VersionMismatch, Version::V12));
        let f = open_err(&env("urn:not-soap", ""), Version::V11);
        assert_eq!((f.code, f.version), (FaultCode::VersionMismatch, Version::V11));
        let f = open_err("<Other/>", Version::V12);
        assert_eq!((f.code, f.version), (FaultCode::Client, Version::V12));
        let f = open_err("<x", Version::V12);
        assert_eq!((f.code, f.version, f.err_cd), (FaultCode::Client, Version::V12, "INVALID_DATA"));
    }

    #[test]
    fn every_mandatory_header_for_us_is_named() {
        let headers = "<a:A xmlns:a='urn:a' e:mustUnderstand='true'/><b:B xmlns:b='urn:b' e:mustUnderstand='1' \
            e:role='http://www.w3.org/2003/05/soap-envelope/role/none'/><c:C xmlns:c='urn:c' e:mustUnderstand='false'/>\
            <D e:mustUnderstand='1'/>";
        let f = open_err(&env(SOAP12_NS, headers), Version::V12);
        assert_eq!((f.code, f.version), (FaultCode::MustUnderstand, Version::V12));
        let names: Vec<(&str, &str)> = f.not_understood.iter().map(|(ns, l)| (&**ns, l.as_str())).collect();
        assert_eq!(names, [("urn:a", "A"), ("", "D")]);
        assert_eq!(f.info, "header: A, D are mandatory but not understood");
        // SOAP 1.1 actors: `next` is us, any other actor is someone else.
        let next = "<a:A xmlns:a='urn:a' e:mustUnderstand='1' e:actor='http://schemas.xmlsoap.org/soap/actor/next'/>";
        assert_eq!(open_err(&env(SOAP11_NS, next), Version::V11).code, FaultCode::MustUnderstand);
        let other = "<a:A xmlns:a='urn:a' e:mustUnderstand='1' e:actor='urn:firewall'/>";
        assert!(open_as(&env(SOAP11_NS, other), XmlLimits::default(), Version::V11).is_ok());
    }
}

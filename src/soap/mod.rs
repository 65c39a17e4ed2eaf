//! The SOAP wire only: envelope versions, the hardened reader, faults and the envelope writer. No users, no SQL,
//! no hyper.

pub mod envelope;
pub mod write;
pub mod xml;

use std::fmt::Write as _;

use write::{close, elem, open};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V11,
    V12,
}

impl Version {
    pub fn content_type(self) -> &'static str {
        match self {
            Version::V11 => "text/xml; charset=utf-8",
            Version::V12 => "application/soap+xml; charset=utf-8",
        }
    }

    /// The media type that carries this version (SOAP 1.1 section 6.1, RFC 3902).
    pub fn media_type(self) -> &'static str {
        match self {
            Version::V11 => "text/xml",
            Version::V12 => "application/soap+xml",
        }
    }

    /// The version that `media_type` (lower case, no parameters) carries, if it is a SOAP one.
    pub fn from_media_type(media_type: &str) -> Option<Version> {
        match media_type {
            "text/xml" => Some(Version::V11),
            "application/soap+xml" => Some(Version::V12),
            _ => None,
        }
    }

    pub fn number(self) -> &'static str {
        match self {
            Version::V11 => "1.1",
            Version::V12 => "1.2",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    VersionMismatch,
    MustUnderstand,
    /// The caller's mistake (1.2: Sender).
    Client,
    /// Ours (1.2: Receiver).
    Server,
}

/// A SOAP fault with DynECT's `ErrorResponse` detail (job_id, status=failure, one message with err_cd and info).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: FaultCode,
    pub version: Version,
    pub err_cd: &'static str,
    pub info: String,
    /// `API-B` for envelope problems, `BLL` for business failures (DynECT's source values).
    pub source: &'static str,
    pub job_id: Option<i64>,
    /// The namespace of the `ErrorResponse` element: the profile the request used.
    pub detail_ns: &'static str,
    /// For a MustUnderstand fault: the mandatory headers not understood, as (namespace URI, local name).
    pub not_understood: Vec<(Box<str>, String)>,
}

impl Fault {
    pub fn new(code: FaultCode, info: impl Into<String>) -> Self {
        Fault {
            code,
            version: Version::V11,
            err_cd: if code == FaultCode::Server { "INTERNAL_ERROR" } else { "INVALID_REQUEST" },
            info: info.into(),
            source: "API-B",
            job_id: None,
            detail_ns: xml::NATIVE_NS,
            not_understood: Vec::new(),
        }
    }

    pub fn client(err_cd: &'static str, info: impl Into<String>) -> Self {
        Fault { err_cd, ..Fault::new(FaultCode::Client, info) }
    }

    pub fn in_version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// SOAP 1.1 faults are HTTP 500 (WS-I R1126); SOAP 1.2 Sender faults are 400.
    pub fn http_status(&self) -> u16 {
        match (self.version, self.code) {
            (Version::V12, FaultCode::Client) => 400,
            _ => 500,
        }
    }

    fn code_name(&self) -> &'static str {
        match (self.version, self.code) {
            (_, FaultCode::VersionMismatch) => "soap:VersionMismatch",
            (_, FaultCode::MustUnderstand) => "soap:MustUnderstand",
            (Version::V11, FaultCode::Client) => "soap:Client",
            (Version::V11, FaultCode::Server) => "soap:Server",
            (Version::V12, FaultCode::Client) => "soap:Sender",
            (Version::V12, FaultCode::Server) => "soap:Receiver",
        }
    }

    /// The whole response document.
    pub fn write(&self, out: &mut String) {
        write::open_envelope(out, self.version);
        self.write_header(out);
        out.push_str("<soap:Body>");
        match self.version {
            Version::V11 => {
                open(out, "soap:Fault");
                elem(out, "faultcode", self.code_name());
                elem(out, "faultstring", &self.info);
                open(out, "detail");
                self.write_detail(out);
                close(out, "detail");
            }
            Version::V12 => {
                out.push_str("<soap:Fault><soap:Code>");
                elem(out, "soap:Value", self.code_name());
                out.push_str("</soap:Code><soap:Reason><soap:Text xml:lang=\"en\">");
                write::escape_into(out, &self.info);
                out.push_str("</soap:Text></soap:Reason><soap:Detail>");
                self.write_detail(out);
                out.push_str("</soap:Detail>");
            }
        }
        close(out, "soap:Fault");
        write::end_envelope(out);
    }

    /// VersionMismatch: an `Upgrade` block naming the envelopes we accept, in 1.1 answers too (SOAP 1.2 part 1
    /// section 5.4.7 and appendix A). MustUnderstand in 1.2: one `NotUnderstood` block per header (section 5.4.8).
    fn write_header(&self, out: &mut String) {
        match (self.code, self.version) {
            (FaultCode::VersionMismatch, _) => {
                let _ = write!(
                    out,
                    "<soap:Header><upg:Upgrade xmlns:upg=\"{v12}\">\
                     <upg:SupportedEnvelope qname=\"v12:Envelope\" xmlns:v12=\"{v12}\"/>\
                     <upg:SupportedEnvelope qname=\"v11:Envelope\" xmlns:v11=\"{v11}\"/></upg:Upgrade></soap:Header>",
                    v12 = xml::SOAP12_NS,
                    v11 = xml::SOAP11_NS,
                );
            }
            (FaultCode::MustUnderstand, Version::V12) if !self.not_understood.is_empty() => {
                out.push_str("<soap:Header>");
                for (ns, local) in &self.not_understood {
                    out.push_str("<soap:NotUnderstood qname=\"");
                    if ns.is_empty() {
                        write::escape_into(out, local);
                        out.push_str("\"/>");
                    } else {
                        out.push_str("h:");
                        write::escape_into(out, local);
                        out.push_str("\" xmlns:h=\"");
                        write::escape_into(out, ns);
                        out.push_str("\"/>");
                    }
                }
                out.push_str("</soap:Header>");
            }
            _ => {}
        }
    }

    /// `xsi:type` on ErrorResponse: PHP's SoapClient only exposes the detail (as `enc_value`) when it is there.
    fn write_detail(&self, out: &mut String) {
        let _ = write!(out, "<tns:ErrorResponse xmlns:tns=\"{}\" xsi:type=\"tns:ErrorResponseType\">", self.detail_ns);
        if let Some(job) = self.job_id {
            write::elem_int(out, "job_id", job);
        }
        elem(out, "status", "failure");
        write_msg(out, self.source, "ERROR", Some(self.err_cd), &self.info);
        out.push_str("</tns:ErrorResponse>");
    }
}

/// One `msgs` element: source, lvl, err_cd?, info.
pub fn write_msg(out: &mut String, source: &str, lvl: &str, err_cd: Option<&str>, info: &str) {
    open(out, "msgs");
    elem(out, "source", source);
    elem(out, "lvl", lvl);
    if let Some(code) = err_cd {
        elem(out, "err_cd", code);
    }
    elem(out, "info", info);
    close(out, "msgs");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_shapes() {
        let mut f = Fault::client("INVALID_DATA", "email: not a valid address");
        f.job_id = Some(7);
        let mut s = String::new();
        f.write(&mut s);
        assert!(s.contains("<faultcode>soap:Client</faultcode><faultstring>email: not a valid address</faultstring>"));
        assert!(s.contains("<job_id>7</job_id><status>failure</status><msgs><source>API-B</source><lvl>ERROR</lvl><err_cd>INVALID_DATA</err_cd>"));
        assert_eq!(f.http_status(), 500);
        let f12 = f.in_version(Version::V12);
        assert_eq!(f12.http_status(), 400);
        let mut s = String::new();
        f12.write(&mut s);
        assert!(s.contains("<soap:Value>soap:Sender</soap:Value>"));
        let receiver = Fault::new(FaultCode::Server, "server: internal error").in_version(Version::V12);
        assert_eq!(receiver.http_status(), 500);
        let mut s = String::new();
        receiver.write(&mut s);
        assert!(s.contains("<soap:Value>soap:Receiver</soap:Value>"), "{s}");
        assert!(!s.contains("<soap:Header>"), "only VersionMismatch and MustUnderstand carry a header");
    }

    #[test]
    fn version_mismatch_carries_an_upgrade_header_in_both_versions() {
        for version in [Version::V11, Version::V12] {
            let f = Fault::new(FaultCode::VersionMismatch, "envelope: x").in_version(version);
            assert_eq!(f.http_status(), 500);
            let mut s = String::new();
            f.write(&mut s);
            let upgrade = format!(
                "<soap:Header><upg:Upgrade xmlns:upg=\"{v12}\"><upg:SupportedEnvelope qname=\"v12:Envelope\" \
                 xmlns:v12=\"{v12}\"/><upg:SupportedEnvelope qname=\"v11:Envelope\" xmlns:v11=\"{v11}\"/></upg:Upgrade>\
                 </soap:Header><soap:Body>",
                v12 = xml::SOAP12_NS,
                v11 = xml::SOAP11_NS
            );
            assert!(s.contains(&upgrade), "{s}");
        }
    }

    #[test]
    fn must_understand_names_each_header_in_soap12_only() {
        let mut f = Fault::new(FaultCode::MustUnderstand, "header: A, B are mandatory").in_version(Version::V12);
        f.not_understood = vec![("urn:a&b".into(), "A".into()), ("".into(), "B".into())];
        let mut s = String::new();
        f.write(&mut s);
        assert!(
            s.contains(
                "<soap:Header><soap:NotUnderstood qname=\"h:A\" xmlns:h=\"urn:a&amp;b\"/><soap:NotUnderstood qname=\"B\"/></soap:Header>"
            ),
            "{s}"
        );
        assert!(s.contains("<soap:Value>soap:MustUnderstand</soap:Value>"));
        assert_eq!(f.http_status(), 500);
        let mut s = String::new();
        f.in_version(Version::V11).write(&mut s);
        assert!(!s.contains("Header"), "SOAP 1.1 has no NotUnderstood: {s}");
        assert!(s.contains("<faultcode>soap:MustUnderstand</faultcode>"));
    }

    #[test]
    fn media_types_name_versions() {
        for v in [Version::V11, Version::V12] {
            assert_eq!(Version::from_media_type(v.media_type()), Some(v));
            assert!(v.content_type().starts_with(v.media_type()));
        }
        assert_eq!(Version::from_media_type("application/xml"), None);
    }
}

//! The hardened XML reader shared by the envelope and message layers: namespace-resolved events from quick-xml
//! with our caps (depth, elements, children, attributes, text) and no DTD, PI or unknown entity, ever.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};

pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
pub const NATIVE_NS: &str = "urn:usergate:1";
pub const WSA_NS: &str = "http://www.w3.org/2005/08/addressing";
/// DynECT's namespaces are `https://api2.dynect.net/wsdl/<x.y.z>/Dynect/`, one per API version.
pub const DYNECT_NS_PREFIX: &str = "https://api2.dynect.net/wsdl/";
pub const DYNECT_NS_SUFFIX: &str = "/Dynect/";

/// The `x.y.z` of a DynECT namespace. Only canonical numbers are read (no sign, no leading zero), so that writing
/// it back gives the very namespace the request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DynectVersion {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

impl DynectVersion {
    /// The version of a DynECT namespace URI, if it is one.
    pub fn from_namespace(uri: &str) -> Option<DynectVersion> {
        let version = uri.strip_prefix(DYNECT_NS_PREFIX)?.strip_suffix(DYNECT_NS_SUFFIX)?;
        let mut parts = version.split('.').map(|p| {
            let canonical = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p == "0" || !p.starts_with('0'));
            if canonical { p.parse::<u16>().ok() } else { None }
        });
        let v = DynectVersion { major: parts.next()??, minor: parts.next()??, patch: parts.next()?? };
        parts.next().is_none().then_some(v)
    }

    pub fn namespace(self) -> String {
        format!("{DYNECT_NS_PREFIX}{self}{DYNECT_NS_SUFFIX}")
    }
}

impl std::fmt::Display for DynectVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Caps from design.md section 6 (CXF/WCF-level defaults; reference/hardening.md).
#[derive(Debug, Clone, Copy)]
pub struct XmlLimits {
    pub max_depth: usize,
    pub max_elements: usize,
    pub max_children: usize,
    pub max_attributes: usize,
    pub max_attribute_len: usize,
    pub max_text: usize,
    pub max_namespace_bindings: usize,
    pub max_name_len: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        XmlLimits {
            max_depth: 32,
            max_elements: 2_000,
            max_children: 1_000,
            max_attributes: 32,
            max_attribute_len: 4 * 1024,
            max_text: 8 * 1024,
            max_namespace_bindings: 16,
            max_name_len: 256,
        }
    }
}

/// Why the XML could not be read. `Malformed` is not XML at all; `Refused` is XML we will not process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlError {
    Malformed(String),
    Refused(String),
}

/// The namespaces the gateway tells apart; anything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    None,
    Soap11,
    Soap12,
    Native,
    Xsi,
    Wsa,
    /// A `https://api2.dynect.net/wsdl/<x.y.z>/Dynect/` namespace.
    Dynect(DynectVersion),
    Other,
}

fn classify(res: &ResolveResult<'_>) -> Result<Ns, XmlError> {
    Ok(match res {
        ResolveResult::Unbound => Ns::None,
        ResolveResult::Bound(Namespace(n)) => match *n {
            SOAP11_NS => Ns::Soap11,
            SOAP12_NS => Ns::Soap12,
            NATIVE_NS => Ns::Native,
            XSI_NS => Ns::Xsi,
            WSA_NS => Ns::Wsa,
            other => DynectVersion::from_namespace(other).map_or(Ns::Other, Ns::Dynect),
        },
        ResolveResult::Unknown(p) => {
            return Err(XmlError::Malformed(format!("undeclared namespace prefix {p}")));
        }
    })
}

/// The namespace URI of an element that may be mandatory (it has a `mustUnderstand` attribute), owned because the
/// reader's buffer moves on; `None` for every other element, so they allocate nothing for it.
fn mandatory_uri(e: &quick_xml::events::BytesStart<'_>, res: &ResolveResult<'_>) -> Option<Box<str>> {
    if !e.attributes_raw().contains("mustUnderstand") {
        return None;
    }
    match res {
        ResolveResult::Bound(Namespace(n)) => Some((*n).into()),
        _ => Some("".into()),
    }
}

/// A start tag with what the upper layers need of its attributes.
#[derive(Debug, Clone)]
pub struct Elem {
    pub ns: Ns,
    pub local: String,
    /// `xsi:nil="true"` (or `1`).
    pub nil: bool,
    /// `mustUnderstand` in the SOAP namespace set to `1`/`true`.
    pub must_understand: bool,
    /// False when a SOAP 1.2 `role` or SOAP 1.1 `actor` attribute addresses the element to another node.
    pub targets_us: bool,
    /// The element's namespace URI, kept only for a mandatory element (a MustUnderstand fault names it).
    pub mandatory_ns: Option<Box<str>>,
}

/// Roles (1.2) and actors (1.1) we play: `next`, and the ultimate receiver (also what an absent attribute means).
const OUR_ROLES: &[&str] = &[
    "http://www.w3.org/2003/05/soap-envelope/role/next",
    "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver",
    "http://schemas.xmlsoap.org/soap/actor/next",
];

#[derive(Debug)]
pub enum Node<'a> {
    Start(Elem),
    End,
    Text(Cow<'a, str>),
    Eof,
}

pub struct XmlReader<'a> {
    inner: NsReader<&'a [u8]>,
    limits: XmlLimits,
    /// Children seen so far at each open level (index = depth - 1).
    children: Vec<usize>,
    elements: usize,
    /// Bytes of character data since the last tag: text, CDATA and references together count against `max_text`,
    /// so splitting text with references does not escape the cap (even in skipped elements).
    text_run: usize,
    /// A character XML forbids anywhere in the document (found once, up front, by `new`).
    bad_char: Option<XmlError>,
}

fn truthy(v: &str) -> bool {
    matches!(v.trim(), "true" | "1")
}

impl<'a> XmlReader<'a> {
    pub fn new(body: &'a str, limits: XmlLimits) -> Self {
        // One linear scan covers names, attributes, text, comments and whatever else the parser would pass over.
        let bad_char = first_non_xml_char(body)
            .map(|c| XmlError::Malformed(format!("character U+{:04X} is not allowed in XML", u32::from(c))));
        let mut inner = NsReader::from_str(body);
        inner.resolver_mut().set_max_namespace_bindings(limits.max_namespace_bindings);
        let cfg = inner.config_mut();
        // Empty elements become Start+End so that every consumer sees one shape.
        cfg.expand_empty_elements = true;
        cfg.check_end_names = true;
        cfg.allow_unmatched_ends = false;
        cfg.allow_dangling_amp = false;
        XmlReader { inner, limits, children: Vec::with_capacity(limits.max_depth), elements: 0, text_run: 0, bad_char }
    }

    pub fn depth(&self) -> usize {
        self.children.len()
    }

    fn refused(msg: impl Into<String>) -> XmlError {
        XmlError::Refused(msg.into())
    }

    fn open(&mut self, e: &quick_xml::events::BytesStart<'_>, ns: Ns, uri: Option<Box<str>>) -> Result<Elem, XmlError> {
        let local = e.local_name();
        let local: &str = local.as_ref();
        if local.len() > self.limits.max_name_len {
            return Err(Self::refused(format!("element name longer than {} bytes", self.limits.max_name_len)));
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(Self::refused(format!("more than {} elements", self.limits.max_elements)));
        }
        if let Some(n) = self.children.last_mut() {
            *n += 1;
            if *n > self.limits.max_children {
                return Err(Self::refused(format!("more than {} children in one element", self.limits.max_children)));
            }
        }
        if self.children.len() >= self.limits.max_depth {
            return Err(Self::refused(format!("nesting deeper than {}", self.limits.max_depth)));
        }
        self.children.push(0);
        let mut elem = Elem {
            ns,
            local: local.to_owned(),
            nil: false,
            must_understand: false,
            targets_us: true,
            mandatory_ns: None,
        };
        if e.attributes_raw().trim().is_empty() {
            return Ok(elem);
        }
        // Count first with checks off, stopping past the cap, then read with duplicate checks (RUSTSEC-2026-0194).
        let count = e.attributes().with_checks(false).take(self.limits.max_attributes + 1).count();
        if count > self.limits.max_attributes {
            return Err(Self::refused(format!(
                "more than {} attributes on {}",
                self.limits.max_attributes, elem.local
            )));
        }
        for attr in e.attributes() {
            let attr = attr.map_err(|err| XmlError::Malformed(format!("attribute: {err}")))?;
            if attr.value.len() > self.limits.max_attribute_len {
                return Err(Self::refused(format!("attribute longer than {} bytes", self.limits.max_attribute_len)));
            }
            let (res, name) = self.inner.resolver().resolve_attribute(attr.key);
            let attr_ns = classify(&res)?;
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| XmlError::Malformed(format!("attribute: {err}")))?;
            match (attr_ns, name.as_ref()) {
                (Ns::Xsi, "nil") => elem.nil = truthy(&value),
                (Ns::Soap11 | Ns::Soap12, "mustUnderstand") => elem.must_understand = truthy(&value),
                (Ns::Soap12, "role") | (Ns::Soap11, "actor") => elem.targets_us = OUR_ROLES.contains(&value.trim()),
                _ => {}
            }
        }
        if elem.must_understand {
            elem.mandatory_ns = uri;
        }
        Ok(elem)
    }

    /// The next node that matters; comments and the XML declaration are skipped.
    pub fn next_node(&mut self) -> Result<Node<'a>, XmlError> {
        if let Some(e) = &self.bad_char {
            return Err(e.clone());
        }
        loop {
            let (res, ev) = self.inner.read_resolved_event().map_err(read_error)?;
            if matches!(ev, Event::Start(_) | Event::Empty(_) | Event::End(_)) {
                self.text_run = 0;
            }
            match ev {
                Event::Start(e) => {
                    let ns = classify(&res)?;
                    let uri = mandatory_uri(&e, &res);
                    return self.open(&e, ns, uri).map(Node::Start);
                }
                Event::Empty(e) => {
                    // Not produced with expand_empty_elements, handled for completeness.
                    let ns = classify(&res)?;
                    let uri = mandatory_uri(&e, &res);
                    let elem = self.open(&e, ns, uri)?;
                    self.children.pop();
                    return Ok(Node::Start(elem));
                }
                Event::End(_) => {
                    self.children.pop();
                    return Ok(Node::End);
                }
                Event::Text(t) => {
                    let text = t.xml10_content();
                    self.check_text(&text)?;
                    return Ok(Node::Text(text));
                }
                Event::CData(c) => {
                    let text = c.xml10_content();
                    self.check_text(&text)?;
                    return Ok(Node::Text(text));
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        Ok(None) => match &*r {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            "quot" => '"',
                            other => {
                                return Err(Self::refused(format!("undeclared entity &{other};")));
                            }
                        },
                        Err(e) => {
                            return Err(XmlError::Malformed(format!("character reference: {e}")));
                        }
                    };
                    if !is_xml_char(c) {
                        return Err(XmlError::Malformed(format!("character reference to U+{:04X}", u32::from(c))));
                    }
                    let text = c.to_string();
                    self.check_text(&text)?;
                    return Ok(Node::Text(Cow::Owned(text)));
                }
                Event::Comment(_) | Event::Decl(_) => {}
                Event::PI(_) => {
                    return Err(Self::refused("processing instructions are not allowed"));
                }
                Event::DocType(_) => return Err(Self::refused("DTDs are not allowed")),
                Event::Eof => {
                    if !self.children.is_empty() {
                        return Err(XmlError::Malformed("document ends inside an element".into()));
                    }
                    return Ok(Node::Eof);
                }
            }
        }
    }

    /// Counts `text` into the current run of character data (its characters were checked by `new`).
    fn check_text(&mut self, text: &str) -> Result<(), XmlError> {
        self.text_run = self.text_run.saturating_add(text.len());
        if self.text_run > self.limits.max_text {
            return Err(Self::refused(format!("text longer than {} bytes", self.limits.max_text)));
        }
        Ok(())
    }

    /// Skips the rest of the element whose Start was just read (caps still apply).
    pub fn skip_element(&mut self) -> Result<(), XmlError> {
        let target = self.depth().saturating_sub(1);
        loop {
            match self.next_node()? {
                Node::End if self.depth() == target => return Ok(()),
                Node::Eof => {
                    return Err(XmlError::Malformed("document ends inside an element".into()));
                }
                _ => {}
            }
        }
    }

    /// Reads the text content of the element whose Start was just read, up to its End. Child elements are an
    /// error naming `field`; the element is consumed to its End either way.
    pub fn read_text(&mut self, field: &str) -> Result<String, ContentError> {
        let mut out = String::new();
        let mut unexpected: Option<String> = None;
        loop {
            match self.next_node()? {
                Node::Text(t) => {
                    if out.len() + t.len() > self.limits.max_text {
                        return Err(Self::refused(format!("text longer than {} bytes", self.limits.max_text)).into());
                    }
                    out.push_str(&t);
                }
                Node::End => {
                    return match unexpected {
                        Some(info) => Err(ContentError::Unexpected(info)),
                        None => Ok(out),
                    };
                }
                Node::Start(e) => {
                    // Consume the child so that the caller stays in step with the document.
                    unexpected.get_or_insert_with(|| format!("{field}: unexpected element {}", e.local));
                    self.skip_element()?;
                }
                Node::Eof => {
                    return Err(XmlError::Malformed("document ends inside an element".into()).into());
                }
            }
        }
    }
}

/// quick-xml's error as ours: its namespace cap is one of our caps (refused, in our words); the rest is not XML.
fn read_error(e: quick_xml::Error) -> XmlError {
    match e {
        quick_xml::Error::Namespace(quick_xml::name::NamespaceError::TooManyBindings(n)) => {
            XmlError::Refused(format!("more than {n} namespace declarations in scope"))
        }
        other => XmlError::Malformed(other.to_string()),
    }
}

/// Text content could not be read: bad XML, or an element where text belongs.
#[derive(Debug)]
pub enum ContentError {
    Xml(XmlError),
    Unexpected(String),
}

impl From<XmlError> for ContentError {
    fn from(e: XmlError) -> Self {
        ContentError::Xml(e)
    }
}

/// XML 1.0 `Char`: no NUL, no C0 controls but tab/newline/return, no surrogates or U+FFFE/U+FFFF.
/// The first character XML 1.0 forbids. Bodies are mostly ASCII, so bytes are checked first (printable ASCII, DEL and
/// tab/LF/CR are all allowed) and characters are decoded only from the first non-ASCII byte on: a char-by-char scan
/// was 5k instructions of a 400-byte GetUser.
fn first_non_xml_char(body: &str) -> Option<char> {
    let ascii_ok = |b: &u8| (0x20..0x80).contains(b) || matches!(*b, b'\t' | b'\n' | b'\r');
    let start = body.as_bytes().iter().position(|b| !ascii_ok(b))?;
    // Every byte before `start` is ASCII, so `start` is a character boundary.
    body.get(start..)?.chars().find(|c| !is_xml_char(*c))
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_forbidden_character_is_found_after_ascii_and_non_ascii_text() {
        assert_eq!(first_non_xml_char("<a>plain \t\r\n text\u{7f}</a>"), None);
        assert_eq!(first_non_xml_char("<a>x\u{1}</a>"), Some('\u{1}'));
        assert_eq!(first_non_xml_char("<a>caf\u{e9} \u{1F600}</a>"), None);
        assert_eq!(first_non_xml_char("<a>caf\u{e9}\u{FFFE}</a>"), Some('\u{FFFE}'));
        assert_eq!(first_non_xml_char("\u{e9}\u{0}"), Some('\u{0}'));
    }

    fn drain(xml: &str) -> Result<usize, XmlError> {
        let mut r = XmlReader::new(xml, XmlLimits::default());
        let mut n = 0;
        loop {
            match r.next_node()? {
                Node::Eof => return Ok(n),
                _ => n += 1,
            }
        }
    }

    #[test]
    fn dynect_namespaces_round_trip() {
        let v = DynectVersion::from_namespace("https://api2.dynect.net/wsdl/3.7.16/Dynect/");
        assert_eq!(v, Some(DynectVersion { major: 3, minor: 7, patch: 16 }));
        assert_eq!(v.map(DynectVersion::namespace).as_deref(), Some("https://api2.dynect.net/wsdl/3.7.16/Dynect/"));
        for not in [
            "https://api2.dynect.net/wsdl/current/Dynect/",
            "https://api2.dynect.net/wsdl/3.07.16/Dynect/",
            "https://api2.dynect.net/wsdl/3.7/Dynect/",
            "https://api2.dynect.net/wsdl/3.7.16.1/Dynect/",
            "https://api2.dynect.net/wsdl/3.7.+1/Dynect/",
            "https://api2.dynect.net/wsdl/3.7.99999/Dynect/",
            "http://api2.dynect.net/wsdl/3.7.16/Dynect/",
            "https://api2.dynect.net/wsdl/3.7.16/Dynect",
        ] {
            assert_eq!(DynectVersion::from_namespace(not), None, "{not}");
        }
    }

    #[test]
    fn refuses_hostile_constructs() {
        assert!(matches!(drain("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>"), Err(XmlError::Refused(_))));
        assert!(matches!(drain("<?pi x?><a/>"), Err(XmlError::Refused(_))));
        assert!(matches!(drain("<a>&x;</a>"), Err(XmlError::Refused(_))));
        assert!(matches!(drain("<a>&#0;</a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(drain("<a>\u{1}</a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(drain("<a><b></a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(drain("<a x='1' x='2'/>"), Err(XmlError::Malformed(_))));
        assert!(matches!(drain("<p:a/>"), Err(XmlError::Malformed(_))));
        let deep = "<a>".repeat(33) + &"</a>".repeat(33);
        assert!(matches!(drain(&deep), Err(XmlError::Refused(_))));
        let ok = "<a>".repeat(32) + &"</a>".repeat(32);
        assert!(drain(&ok).is_ok());
        let attrs: String = (0..33).map(|i| format!(" a{i}='1'")).collect();
        assert!(matches!(drain(&format!("<a{attrs}/>")), Err(XmlError::Refused(_))));
        let kids = format!("<a>{}</a>", "<b/>".repeat(1001));
        assert!(matches!(drain(&kids), Err(XmlError::Refused(_))));
        let text = format!("<a>{}</a>", "x".repeat(8 * 1024 + 1));
        assert!(matches!(drain(&text), Err(XmlError::Refused(_))));
        // References split text into many nodes; the run still counts as one text.
        let split = format!("<a>{}</a>", "x&amp;".repeat(4 * 1024 + 1));
        assert!(matches!(drain(&split), Err(XmlError::Refused(_))));
        assert!(drain(&format!("<a>{}<b/>{}</a>", "x".repeat(8192), "y".repeat(8192))).is_ok());
        assert!(matches!(drain("<a b='\u{7}'/>"), Err(XmlError::Malformed(_))));
        assert!(matches!(drain("<a><!--\u{0}--></a>"), Err(XmlError::Malformed(_))));
        let ns: String = (0..17).map(|i| format!(" xmlns:n{i}='urn:{i}'")).collect();
        assert_eq!(
            drain(&format!("<a{ns}/>")),
            Err(XmlError::Refused("more than 16 namespace declarations in scope".into()))
        );
    }

    #[test]
    fn reads_text_and_refs() {
        let mut r = XmlReader::new(
            "<a xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'><b xsi:nil='true'/><c>x &amp; &#233;<![CDATA[<y>]]></c></a>",
            XmlLimits::default(),
        );
        assert!(matches!(r.next_node(), Ok(Node::Start(_))));
        match r.next_node() {
            Ok(Node::Start(e)) => assert!(e.nil && e.local == "b"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(r.next_node(), Ok(Node::End)));
        assert!(matches!(r.next_node(), Ok(Node::Start(_))));
        assert_eq!(r.read_text("c").ok().as_deref(), Some("x & é<y>"));
    }
}

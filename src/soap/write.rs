//! Writing XML into a caller's buffer: escaping, elements, and the SOAP envelope around a response or fault.

use std::fmt::Write as _;

use super::Version;
use super::xml::{SOAP11_NS, SOAP12_NS, XSI_NS};

/// Escapes text and attribute values (`&`, `<`, `>`, `"`, `'`).
pub fn escape_into(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// `<name>text</name>`.
pub fn elem(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_into(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// `<name>` followed by `n`, for numbers.
pub fn elem_int(out: &mut String, name: &str, n: i64) {
    let _ = write!(out, "<{name}>{n}</{name}>");
}

pub fn elem_bool(out: &mut String, name: &str, b: bool) {
    elem(out, name, if b { "true" } else { "false" });
}

pub fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

pub fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn env_ns(version: Version) -> &'static str {
    match version {
        Version::V11 => SOAP11_NS,
        Version::V12 => SOAP12_NS,
    }
}

/// Starts `<?xml?><soap:Envelope><soap:Body>`.
pub fn begin_envelope(out: &mut String, version: Version) {
    open_envelope(out, version);
    out.push_str("<soap:Body>");
}

/// Starts `<?xml?><soap:Envelope>`, for answers that carry a Header before their Body.
pub fn open_envelope(out: &mut String, version: Version) {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"");
    out.push_str(env_ns(version));
    out.push_str("\" xmlns:xsi=\"");
    out.push_str(XSI_NS);
    out.push_str("\">");
}

pub fn end_envelope(out: &mut String) {
    out.push_str("</soap:Body></soap:Envelope>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut s = String::new();
        elem(&mut s, "a", "x<&>\"'y");
        assert_eq!(s, "<a>x&lt;&amp;&gt;&quot;&apos;y</a>");
    }
}

//! The one table-driven message reader: children in any order, each matched against the operation's field table;
//! unknown, repeated and missing elements are errors naming the element.

use crate::domain::{DomainError, ErrCode};
use crate::soap::Fault;
use crate::soap::xml::{ContentError, Node, Ns, XmlError, XmlReader};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    /// `{zone_name, recurse?}`
    Zone,
    /// `{name, zone*}`
    Forbid,
}

/// One element of a request's xsd:sequence. The tidy test compares these tables with `wsdl/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub min: u32,
    /// `None` = unbounded.
    pub max: Option<u32>,
    pub kind: Kind,
}

pub const fn one(name: &'static str) -> Field {
    Field { name, min: 1, max: Some(1), kind: Kind::Text }
}
pub const fn opt(name: &'static str) -> Field {
    Field { name, min: 0, max: Some(1), kind: Kind::Text }
}
pub const fn many(name: &'static str, kind: Kind) -> Field {
    Field { name, min: 0, max: None, kind }
}
pub const FAULT_INCOMPAT: Field = Field { name: "fault_incompat", min: 0, max: Some(1), kind: Kind::Int };
pub const TOKEN: Field = one("token");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawZone {
    pub zone_name: String,
    pub recurse: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text content; `nil` for `xsi:nil="true"`.
    Text {
        text: String,
        nil: bool,
    },
    Zone(RawZone),
    Forbid {
        name: String,
        zones: Vec<RawZone>,
    },
}

/// The children of one operation element, by field index.
#[derive(Debug)]
pub struct Fields {
    spec: &'static [Field],
    values: Vec<Vec<Value>>,
}

/// Decoding failed; `fault_incompat` says how to answer, as far as it could be read.
#[derive(Debug)]
pub enum DecodeError {
    /// The XML itself is unreadable: always a fault.
    Envelope(Fault),
    Field {
        fault_incompat: bool,
        error: DomainError,
    },
}

impl From<XmlError> for DecodeError {
    fn from(e: XmlError) -> Self {
        DecodeError::Envelope(e.into())
    }
}

fn is_child(ns: Ns, op_ns: Ns) -> bool {
    // Children are unqualified (DynECT's elementFormDefault); the operation's own namespace is accepted too,
    // because hand-built requests (SOAP::Lite, string templates) often qualify them.
    ns == Ns::None || ns == op_ns
}

/// Another generation's name for a field of the table (DynECT 2.3.1 `newuser_name` for 3.x `new_user_name`): read
/// as that field, with its own cardinality; both spellings in one request is INVALID_DATA naming the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spelling {
    pub alias: Field,
    /// The name in the table.
    pub of: &'static str,
}

/// Reads the children of the operation element whose Start was just read, up to its End.
pub fn read(
    r: &mut XmlReader<'_>,
    op_ns: Ns,
    spec: &'static [Field],
    spellings: &'static [Spelling],
) -> Result<Fields, DecodeError> {
    let field_at = |i: usize| if i < spec.len() { spec[i] } else { spellings[i - spec.len()].alias };
    let mut values: Vec<Vec<Value>> = vec![Vec::new(); spec.len() + spellings.len()];
    let mut problem: Option<DomainError> = None;
    loop {
        match r.next_node()? {
            Node::End => break,
            Node::Eof => {
                return Err(XmlError::Malformed("document ends inside the operation".into()).into());
            }
            Node::Text(t) if t.trim().is_empty() => {}
            Node::Text(_) => {
                problem.get_or_insert(DomainError::invalid("request", "text outside an element"));
            }
            Node::Start(e) => {
                let slot = spec
                    .iter()
                    .position(|f| f.name == e.local)
                    .or_else(|| spellings.iter().position(|s| s.alias.name == e.local).map(|j| spec.len() + j))
                    .filter(|_| is_child(e.ns, op_ns));
                let Some(i) = slot else {
                    problem.get_or_insert(DomainError::invalid(&e.local, "unknown element"));
                    r.skip_element()?;
                    continue;
                };
                let field = field_at(i);
                let value = match field.kind {
                    Kind::Text | Kind::Int => match r.read_text(field.name) {
                        Ok(text) => Value::Text { text, nil: e.nil },
                        Err(ContentError::Unexpected(info)) => {
                            problem.get_or_insert(DomainError { code: ErrCode::InvalidData, info });
                            continue;
                        }
                        Err(ContentError::Xml(x)) => return Err(x.into()),
                    },
                    Kind::Zone => match read_zone(r, op_ns) {
                        Ok(z) => Value::Zone(z),
                        Err(Nested::Field(err)) => {
                            problem.get_or_insert(err);
                            continue;
                        }
                        Err(Nested::Xml(x)) => return Err(x.into()),
                    },
                    Kind::Forbid => match read_forbid(r, op_ns) {
                        Ok(v) => v,
                        Err(Nested::Field(err)) => {
                            problem.get_or_insert(err);
                            continue;
                        }
                        Err(Nested::Xml(x)) => return Err(x.into()),
                    },
                };
                values[i].push(value);
            }
        }
    }
    let mut fields = Fields { spec, values };
    let fault_incompat = fields.fault_incompat();
    let checked = match problem {
        Some(error) => Err(error),
        None => fields.check(spellings),
    };
    checked.map_err(|error| DecodeError::Field { fault_incompat, error })?;
    Ok(fields)
}

fn check_each(f: Field, vals: &[Value]) -> Result<(), DomainError> {
    if f.max.is_some_and(|m| vals.len() > m as usize) {
        return Err(DomainError::invalid(f.name, "repeated"));
    }
    if f.kind == Kind::Int {
        for v in vals {
            if let Value::Text { text, .. } = v
                && !text.is_empty()
                && text.trim().parse::<i64>().is_err()
            {
                return Err(DomainError::invalid(f.name, "an integer expected"));
            }
        }
    }
    Ok(())
}

enum Nested {
    Xml(XmlError),
    Field(DomainError),
}

impl From<XmlError> for Nested {
    fn from(e: XmlError) -> Self {
        Nested::Xml(e)
    }
}

/// Reads `{zone_name, recurse?}`; the element is consumed even when its content is wrong.
fn read_zone(r: &mut XmlReader<'_>, op_ns: Ns) -> Result<RawZone, Nested> {
    let mut zone_name: Option<String> = None;
    let mut recurse: Option<String> = None;
    let mut problem: Option<DomainError> = None;
    loop {
        match r.next_node()? {
            Node::End => break,
            Node::Eof => return Err(XmlError::Malformed("document ends inside zone".into()).into()),
            Node::Text(t) if t.trim().is_empty() => {}
            Node::Text(_) => {
                problem.get_or_insert(DomainError::invalid("zone", "text outside an element"));
            }
            Node::Start(e) => {
                let target = match e.local.as_str() {
                    "zone_name" if is_child(e.ns, op_ns) => &mut zone_name,
                    "recurse" if is_child(e.ns, op_ns) => &mut recurse,
                    other => {
                        problem.get_or_insert(DomainError::invalid(other, "unknown element in zone"));
                        r.skip_element()?;
                        continue;
                    }
                };
                let text = r.read_text(&e.local).map_err(|err| match err {
                    ContentError::Xml(x) => Nested::Xml(x),
                    ContentError::Unexpected(info) => Nested::Field(DomainError { code: ErrCode::InvalidData, info }),
                });
                let text = match text {
                    Ok(t) => t,
                    Err(Nested::Field(err)) => {
                        problem.get_or_insert(err);
                        continue;
                    }
                    Err(x) => return Err(x),
                };
                if target.replace(text).is_some() {
                    problem.get_or_insert(DomainError::invalid(&e.local, "repeated"));
                }
            }
        }
    }
    if let Some(p) = problem {
        return Err(Nested::Field(p));
    }
    // A bare `<zone/>` is the "empty list" marker of UpdateUser; it carries no zone.
    let zone_name = match (zone_name, &recurse) {
        (Some(z), _) => z,
        (None, None) => String::new(),
        (None, Some(_)) => return Err(Nested::Field(DomainError::missing("zone_name"))),
    };
    Ok(RawZone { zone_name, recurse })
}

/// Reads `{name, zone*}`.
fn read_forbid(r: &mut XmlReader<'_>, op_ns: Ns) -> Result<Value, Nested> {
    let mut name: Option<String> = None;
    let mut zones = Vec::new();
    let mut problem: Option<DomainError> = None;
    loop {
        match r.next_node()? {
            Node::End => break,
            Node::Eof => {
                return Err(XmlError::Malformed("document ends inside forbid".into()).into());
            }
            Node::Text(t) if t.trim().is_empty() => {}
            Node::Text(_) => {
                problem.get_or_insert(DomainError::invalid("forbid", "text outside an element"));
            }
            Node::Start(e) if e.local == "name" && is_child(e.ns, op_ns) => match r.read_text("name") {
                Ok(t) => {
                    if name.replace(t).is_some() {
                        problem.get_or_insert(DomainError::invalid("name", "repeated"));
                    }
                }
                Err(ContentError::Xml(x)) => return Err(x.into()),
                Err(ContentError::Unexpected(info)) => {
                    problem.get_or_insert(DomainError { code: ErrCode::InvalidData, info });
                }
            },
            Node::Start(e) if e.local == "zone" && is_child(e.ns, op_ns) => match read_zone(r, op_ns) {
                Ok(z) => zones.push(z),
                Err(Nested::Field(err)) => {
                    problem.get_or_insert(err);
                }
                Err(x) => return Err(x),
            },
            Node::Start(e) => {
                problem.get_or_insert(DomainError::invalid(&e.local, "unknown element in forbid"));
                r.skip_element()?;
            }
        }
    }
    if let Some(p) = problem {
        return Err(Nested::Field(p));
    }
    // A bare `<forbid/>` is the "empty list" marker of UpdateUser.
    let name = match name {
        Some(n) => n,
        None if zones.is_empty() => String::new(),
        None => return Err(Nested::Field(DomainError::missing("name"))),
    };
    Ok(Value::Forbid { name, zones })
}

impl Fields {
    fn index(&self, name: &str) -> Option<usize> {
        self.spec.iter().position(|f| f.name == name)
    }

    /// `fault_incompat=1` asks for failures as `status=failure` responses instead of faults.
    pub fn fault_incompat(&self) -> bool {
        self.text("fault_incompat").is_some_and(|t| t.trim() == "1")
    }

    /// Cardinalities and integers, each spelling by its own field; then the other spellings join their field.
    fn check(&mut self, spellings: &[Spelling]) -> Result<(), DomainError> {
        let fields = self.spec.iter().copied().chain(spellings.iter().map(|s| s.alias));
        for (f, vals) in fields.zip(&self.values) {
            check_each(f, vals)?;
        }
        let alias_values = self.values.split_off(self.spec.len());
        for (s, vals) in spellings.iter().zip(alias_values) {
            let Some(i) = self.index(s.of) else { continue };
            if vals.is_empty() {
                continue;
            }
            if !self.values[i].is_empty() {
                let info = format_args!("given both as {} and as {}", s.of, s.alias.name);
                return Err(DomainError::invalid(s.of, info));
            }
            self.values[i] = vals;
        }
        for (f, vals) in self.spec.iter().zip(&self.values) {
            if vals.len() < f.min as usize {
                return Err(DomainError::missing(f.name));
            }
        }
        Ok(())
    }

    fn values(&self, name: &str) -> &[Value] {
        self.index(name).map_or(&[], |i| self.values[i].as_slice())
    }

    /// The text of a single element, if present (nil reads as empty).
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.values(name).first() {
            Some(Value::Text { text, nil }) => Some(if *nil { "" } else { text.as_str() }),
            _ => None,
        }
    }

    /// A required element: present and non-empty, else MISSING_DATA (suds sends unset required elements empty).
    pub fn required(&self, name: &str) -> Result<&str, DomainError> {
        match self.text(name) {
            Some(t) if !t.is_empty() => Ok(t),
            _ => Err(DomainError::missing(name)),
        }
    }

    /// Whether an element was sent at all (for patches: absent = unchanged).
    pub fn present(&self, name: &str) -> bool {
        !self.values(name).is_empty()
    }

    /// The texts of a repeated element; empty ones are skipped, so a lone empty element means "empty list".
    pub fn texts(&self, name: &str) -> impl Iterator<Item = &str> {
        self.values(name).iter().filter_map(|v| match v {
            Value::Text { text, nil: false } if !text.is_empty() => Some(text.as_str()),
            _ => None,
        })
    }

    pub fn zones(&self, name: &str) -> impl Iterator<Item = &RawZone> {
        self.values(name).iter().filter_map(|v| match v {
            Value::Zone(z) if !z.zone_name.is_empty() => Some(z),
            _ => None,
        })
    }

    pub fn forbids(&self, name: &str) -> impl Iterator<Item = (&str, &[RawZone])> {
        self.values(name).iter().filter_map(|v| match v {
            Value::Forbid { name, zones } if !name.is_empty() => Some((name.as_str(), zones.as_slice())),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap::xml::XmlLimits;

    const SPEC: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("user_name"), opt("phone"), many("zone", Kind::Zone)];

    fn decode(children: &str) -> Result<Fields, DecodeError> {
        let xml = format!(
            "<t:Op xmlns:t='urn:usergate:1' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'>{children}</t:Op>"
        );
        let mut r = XmlReader::new(&xml, XmlLimits::default());
        assert!(matches!(r.next_node(), Ok(Node::Start(_))));
        read(&mut r, Ns::Native, SPEC, &[])
    }

    fn info(r: Result<Fields, DecodeError>) -> (bool, String) {
        match r {
            Err(DecodeError::Field { fault_incompat, error }) => (fault_incompat, error.info),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn any_order_nil_and_lists() {
        let f = decode("<user_name>a</user_name><zone><recurse>N</recurse><zone_name>z</zone_name></zone><token>t</token><phone xsi:nil='true'/>").unwrap();
        assert_eq!(f.text("token"), Some("t"));
        assert_eq!(f.text("phone"), Some(""));
        assert!(f.present("phone"));
        assert_eq!(f.zones("zone").next().map(|z| z.zone_name.as_str()), Some("z"));
        assert!(!f.fault_incompat());
    }

    #[test]
    fn other_spellings_join_their_field_and_never_both() {
        const TABLE: &[Field] = &[TOKEN, one("roles"), opt("newuser_name")];
        const OTHER: &[Spelling] = &[
            Spelling { alias: many("group_name", Kind::Text), of: "roles" },
            Spelling { alias: opt("new_user_name"), of: "newuser_name" },
        ];
        let read_with = |children: &str| {
            let xml = format!("<t:Op xmlns:t='urn:usergate:1'>{children}</t:Op>");
            let mut r = XmlReader::new(&xml, XmlLimits::default());
            assert!(matches!(r.next_node(), Ok(Node::Start(_))));
            read(&mut r, Ns::Native, TABLE, OTHER)
        };
        let f = read_with(
            "<token>t</token><group_name>A</group_name><group_name>B</group_name><new_user_name>n</new_user_name>",
        )
        .unwrap();
        assert_eq!(f.texts("roles").collect::<Vec<_>>(), ["A", "B"], "a required field met by its other spelling");
        assert_eq!(f.text("newuser_name"), Some("n"));
        assert_eq!(f.text("new_user_name"), None, "read under the table's name only");
        assert_eq!(
            info(read_with("<token>t</token><roles>A</roles><group_name>B</group_name>")),
            (false, "roles: given both as roles and as group_name".into())
        );
        assert_eq!(
            info(read_with(
                "<token>t</token><roles>A</roles><new_user_name>a</new_user_name><new_user_name>b</new_user_name>"
            ))
            .1,
            "new_user_name: repeated"
        );
        assert_eq!(info(read_with("<token>t</token>")).1, "roles: required");
    }

    #[test]
    fn errors_name_the_element() {
        assert_eq!(info(decode("<token>t</token>")), (false, "user_name: required".into()));
        assert_eq!(
            info(decode("<fault_incompat>1</fault_incompat><token>t</token><user_name>a</user_name><bogus/>")),
            (true, "bogus: unknown element".into())
        );
        assert_eq!(info(decode("<token>t</token><token>u</token><user_name>a</user_name>")).1, "token: repeated");
        assert_eq!(info(decode("<token>t</token><user_name><b/></user_name>")).1, "user_name: unexpected element b");
        // The whole field is consumed, so the following siblings are still read as siblings.
        assert_eq!(
            info(decode("<token>t</token><user_name><b><c/></b>x<d/></user_name><phone>1</phone>")).1,
            "user_name: unexpected element b"
        );
        assert_eq!(
            info(decode(
                "<token>t</token><user_name>a</user_name><zone><zone_name><x/></zone_name></zone><phone>1</phone>"
            ))
            .1,
            "zone_name: unexpected element x"
        );
        assert_eq!(
            info(decode("<token>t</token><user_name>a</user_name><zone><recurse>Y</recurse></zone>")).1,
            "zone_name: required"
        );
        assert_eq!(
            info(decode("<token>t</token><user_name>a</user_name><fault_incompat>x</fault_incompat>")).1,
            "fault_incompat: an integer expected"
        );
        assert_eq!(
            info(decode("<token>t</token><other:user_name xmlns:other='urn:x'>a</other:user_name>")).1,
            "user_name: unknown element"
        );
    }
}

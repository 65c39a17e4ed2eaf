//! Invariants as tests: every file says what it owns, the domain stays free of wire and SQL crates, and the
//! message layer matches `wsdl/usergate.wsdl` element for element.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::Event;
use usergate::messages::Operation;
use usergate::messages::reader::Kind;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_file_starts_with_its_purpose() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("tests"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        assert!(text.starts_with("//!"), "{} must start with a //! line", f.display());
    }
}

#[test]
fn domain_knows_nothing_of_xml_http_or_sql() {
    let mut files = Vec::new();
    rust_files(&root().join("src/domain"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        for banned in ["quick_xml", "hyper", "rusqlite", "http::", "crate::soap", "crate::messages", "crate::store"] {
            assert!(!text.contains(banned), "{} uses {banned}", f.display());
        }
    }
}

/// One xsd:element of a sequence: (name, minOccurs, maxOccurs or None for unbounded, type).
type Elem = (String, u32, Option<u32>, String);

/// complexType name -> its sequence, from the WSDL's schema.
fn wsdl_types() -> BTreeMap<String, Vec<Elem>> {
    let text = std::fs::read_to_string(root().join("wsdl/usergate.wsdl")).expect("wsdl");
    let mut r = Reader::from_str(&text);
    let mut types = BTreeMap::new();
    let mut current: Option<String> = None;
    loop {
        match r.read_event().expect("wsdl parses") {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |n: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| {
                            let k: &str = a.key.as_ref();
                            k == n
                        })
                        .map(|a| a.value.to_string())
                };
                let local = e.local_name();
                let local: &str = local.as_ref();
                if local == "complexType" {
                    current = attr("name");
                    if let Some(n) = &current {
                        types.insert(n.clone(), Vec::new());
                    }
                } else if local == "element"
                    && let (Some(t), Some(name)) = (&current, attr("name"))
                {
                    let min = attr("minOccurs").and_then(|m| m.parse().ok()).unwrap_or(1);
                    let max = match attr("maxOccurs").as_deref() {
                        Some("unbounded") => None,
                        Some(m) => m.parse().ok(),
                        None => Some(1),
                    };
                    let ty = attr("type").unwrap_or_default();
                    if let Some(seq) = types.get_mut(t) {
                        seq.push((name, min, max, ty));
                    }
                }
            }
            Event::End(e) => {
                let local = e.local_name();
                let local: &str = local.as_ref();
                if local == "complexType" {
                    current = None;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    types
}

fn kind_of(ty: &str) -> Kind {
    match ty.rsplit(':').next() {
        Some("PermissionZone") => Kind::Zone,
        Some("PermissionData") => Kind::Forbid,
        Some("int") => Kind::Int,
        _ => Kind::Text,
    }
}

#[test]
fn request_decoders_match_the_wsdl() {
    let types = wsdl_types();
    for &op in Operation::ALL {
        let ty = format!("{}Type", op.request_element());
        let seq = types.get(&ty).unwrap_or_else(|| panic!("WSDL lacks {ty}"));
        let ours: Vec<Elem> =
            op.request_fields().iter().map(|f| (f.name.to_owned(), f.min, f.max, String::new())).collect();
        let theirs: Vec<Elem> = seq.iter().map(|(n, min, max, _)| (n.clone(), *min, *max, String::new())).collect();
        assert_eq!(ours, theirs, "{ty}: decoder table differs from the WSDL");
        for (f, (_, _, _, t)) in op.request_fields().iter().zip(seq) {
            assert_eq!(f.kind, kind_of(t), "{ty}/{}: type {t}", f.name);
        }
    }
}

#[test]
fn every_wsdl_operation_has_message_op_fixture_and_test() {
    let text = std::fs::read_to_string(root().join("wsdl/usergate.wsdl")).expect("wsdl");
    let mut tests = String::new();
    let mut files = Vec::new();
    rust_files(&root().join("tests/it"), &mut files);
    for f in files {
        tests.push_str(&std::fs::read_to_string(f).expect("read"));
    }
    let mut in_wsdl = 0;
    for &op in Operation::ALL {
        assert!(
            text.contains(&format!("soapAction=\"urn:usergate:1#{}\"", op.name())),
            "{} not in the WSDL",
            op.name()
        );
        in_wsdl += 1;
        let snake: String = op
            .name()
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let sep = (i > 0 && c.is_ascii_uppercase()).then_some('_');
                sep.into_iter().chain(std::iter::once(c.to_ascii_lowercase()))
            })
            .collect();
        assert!(root().join(format!("src/ops/{snake}.rs")).exists(), "src/ops/{snake}.rs missing");
        let dir = root().join(format!("fixtures/native/{}", op.name()));
        let has_case = std::fs::read_dir(&dir)
            .map(|d| d.flatten().any(|f| f.path().to_string_lossy().ends_with(".request.xml")))
            .unwrap_or(false);
        assert!(has_case, "no fixture case in {}", dir.display());
        assert!(tests.contains(&format!("\"{}\"", op.name())), "no test in tests/it calls {}", op.name());
    }
    // Each binding (SOAP 1.1 and 1.2) lists every operation once, and nothing else.
    for (binding, prefix) in [("UsergateBinding", "soap"), ("UsergateBinding12", "soap12")] {
        let start = text.find(&format!("<wsdl:binding name=\"{binding}\"")).unwrap_or_else(|| panic!("no {binding}"));
        let end = start + text[start..].find("</wsdl:binding>").expect("binding ends");
        let section = &text[start..end];
        assert_eq!(
            section.matches(&format!("<{prefix}:operation soapAction=\"urn:usergate:1#")).count(),
            in_wsdl,
            "{binding} has operations we do not serve, or lacks some"
        );
        for &op in Operation::ALL {
            let action = format!("soapAction=\"urn:usergate:1#{}\"", op.name());
            assert!(section.contains(&action), "{binding} lacks {}", op.name());
        }
    }
    assert_eq!(
        text.matches("soapAction=\"urn:usergate:1#").count(),
        2 * in_wsdl,
        "the WSDL has operations we do not serve"
    );
}

#[test]
fn user_data_writer_follows_the_wsdl_order() {
    use usergate::domain::permission::{Group, Permission};
    use usergate::domain::user::{Access, CustomerId, Profile, ProfileField, User, UserId};
    use usergate::domain::values::{Forbid, Text, Timestamp, UserName, Zone};
    let mut profile = Profile::default();
    for &f in ProfileField::ALL {
        profile.set(f, Some(Text::trusted(format!("v-{}", f.name()))));
    }
    let zone = Zone { zone_name: Text::trusted("z".into()), recurse: true };
    let user = User {
        id: UserId(1),
        uid: "u".into(),
        customer: CustomerId(1),
        user_name: UserName::parse("user_name", "n").expect("name"),
        profile,
        access: Access {
            groups: vec![Group::Default],
            permissions: vec![Permission::UserGet],
            zones: vec![zone.clone()],
            forbids: vec![Forbid { name: Permission::UserAdd, zones: vec![zone] }],
        },
        blocked: false,
        active: true,
        locked: false,
        hold: false,
        require_pw_change: false,
        password_expiry: Some(Timestamp(1)),
        totp_label: Some(Text::trusted("t".into())),
        is_totp_enabled: false,
        created_at: Timestamp(1),
        updated_at: Timestamp(1),
        last_login_at: Some(Timestamp(1)),
        version: 1,
    };
    let mut out = String::new();
    usergate::messages::user_data::write(&mut out, &user);
    // The children of <data>, in order, repeated names collapsed.
    let mut r = Reader::from_str(&out);
    let mut depth = 0;
    let mut names: Vec<String> = Vec::new();
    loop {
        match r.read_event().expect("parse") {
            Event::Start(e) => {
                depth += 1;
                if depth == 2 {
                    let local = e.local_name();
                    let n: &str = local.as_ref();
                    if names.last().map(String::as_str) != Some(n) {
                        names.push(n.to_owned());
                    }
                }
            }
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            _ => {}
        }
    }
    let wsdl: Vec<String> = wsdl_types().get("UserData").expect("UserData").iter().map(|e| e.0.clone()).collect();
    assert_eq!(names, wsdl, "UserData as written vs the WSDL");
}

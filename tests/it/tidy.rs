//! Invariants as tests: every file says what it owns, the domain stays free of wire and SQL crates, and the
//! message layer matches `wsdl/usergate.wsdl`, `wsdl/dynect.wsdl` (DynECT 3.x) and Dyn's own 2.3.1 WSDL
//! (`fixtures/third_party/`) element for element.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::Event;
use usergate::domain::user::User;
use usergate::messages::Operation;
use usergate::messages::profile::Profile;
use usergate::messages::reader::Kind;
use usergate::soap::xml::DynectVersion;

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

/// complexType name -> its sequence, from the native WSDL's schema.
fn wsdl_types() -> BTreeMap<String, Vec<Elem>> {
    wsdl_types_of("wsdl/usergate.wsdl")
}

/// complexType name -> its sequence, from the schema of the WSDL at `path` (relative to the repository).
fn wsdl_types_of(path: &str) -> BTreeMap<String, Vec<Elem>> {
    let text = std::fs::read_to_string(root().join(path)).expect("wsdl");
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
        // Each binding operation is whole: a merge once cut one down to its soapAction.
        for op in section.split("<wsdl:operation name=\"").skip(1) {
            let name = op.split('"').next().unwrap_or_default();
            let body = op.split("</wsdl:operation>").next().unwrap_or_default();
            for part in ["<wsdl:input>", "<wsdl:output>", "<wsdl:fault name=\"ErrorResponse\">"] {
                assert!(body.contains(part), "{binding}'s {name} lacks {part}");
            }
        }
    }
    assert_eq!(
        text.matches("soapAction=\"urn:usergate:1#").count(),
        2 * in_wsdl,
        "the WSDL has operations we do not serve"
    );
}

/// A user with every field set, for the writers' order tests.
fn full_user() -> User {
    use usergate::domain::permission::{Group, Permission};
    use usergate::domain::user::{Access, CustomerId, Profile, ProfileField, UserId};
    use usergate::domain::values::{Forbid, Text, Timestamp, UserName, Zone};
    let mut profile = Profile::default();
    for &f in ProfileField::ALL {
        profile.set(f, Some(Text::trusted(format!("v-{}", f.name()))));
    }
    let zone = Zone { zone_name: Text::trusted("z".into()), recurse: true };
    User {
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
    }
}

#[test]
fn user_data_writer_follows_the_wsdl_order() {
    let mut out = String::new();
    usergate::messages::user_data::write(&mut out, &full_user());
    let wsdl: Vec<String> = wsdl_types().get("UserData").expect("UserData").iter().map(|e| e.0.clone()).collect();
    assert_eq!(data_children(&out), wsdl, "UserData as written vs the WSDL");
}

const DYNECT3_WSDL: &str = "wsdl/dynect.wsdl";
const DYNECT2_WSDL: &str = "fixtures/third_party/Dynect-2.3.1.wsdl";

fn dynect_profile(major: u16, minor: u16, patch: u16) -> Profile {
    Profile::Dynect(DynectVersion { major, minor, patch })
}

/// The request tables of a profile equal the sequences of its WSDL, names, cardinalities and kinds.
fn assert_profile_matches(profile: Profile, path: &str) {
    let types = wsdl_types_of(path);
    for op in profile.operations() {
        let ty = format!("{}Type", profile.request_element(op));
        let seq = types.get(&ty).unwrap_or_else(|| panic!("{path} lacks {ty}"));
        let fields = profile.request_fields(op);
        let ours: Vec<(String, u32, Option<u32>)> = fields.iter().map(|f| (f.name.to_owned(), f.min, f.max)).collect();
        let theirs: Vec<(String, u32, Option<u32>)> =
            seq.iter().map(|(n, min, max, _)| (n.clone(), *min, *max)).collect();
        assert_eq!(ours, theirs, "{path} {ty}: decoder table differs from the WSDL");
        for (f, (_, _, _, t)) in fields.iter().zip(seq) {
            assert_eq!(f.kind, kind_of(t), "{path} {ty}/{}: type {t}", f.name);
        }
        // The other generation's spellings are extra names, never ones the table already has.
        for s in profile.spellings(op) {
            assert!(fields.iter().any(|f| f.name == s.of), "{ty}: spelling of unknown {}", s.of);
            assert!(fields.iter().all(|f| f.name != s.alias.name), "{ty}: {} is both", s.alias.name);
        }
    }
}

#[test]
fn dynect_request_decoders_match_their_wsdls() {
    assert_profile_matches(dynect_profile(3, 7, 16), DYNECT3_WSDL);
    assert_profile_matches(dynect_profile(2, 3, 1), DYNECT2_WSDL);
}

/// Operation names declared in a WSDL's portType.
fn wsdl_operations(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(path)).expect("wsdl");
    let port_type = text.split("<portType").nth(1).and_then(|s| s.split("</portType>").next()).expect("portType");
    port_type.split("<operation name=\"").skip(1).filter_map(|s| s.split('"').next()).map(str::to_owned).collect()
}

#[test]
fn dynect_wsdl_declares_exactly_the_operations_served() {
    let profile = dynect_profile(3, 7, 16);
    let mut served: Vec<String> = profile.operations().map(|op| profile.op_name(op).to_owned()).collect();
    let mut declared = wsdl_operations(DYNECT3_WSDL);
    served.sort();
    declared.sort();
    assert_eq!(served, declared, "wsdl/dynect.wsdl vs the DynECT 3.x operations served");
    // Dyn published SOAP 1.1 only; so does our DynECT contract (the native one has a 1.2 binding too).
    let dynect3 = std::fs::read_to_string(root().join(DYNECT3_WSDL)).expect("wsdl");
    assert!(!dynect3.contains("wsdl/soap12/"), "wsdl/dynect.wsdl declares a SOAP 1.2 binding");
    // Every 2.x operation we serve is one of Dyn's 2.3.1.
    let dyn2 = wsdl_operations(DYNECT2_WSDL);
    let two = dynect_profile(2, 3, 1);
    for op in two.operations() {
        assert!(dyn2.iter().any(|o| o == two.op_name(op)), "{} is not in Dyn's 2.3.1 WSDL", two.op_name(op));
    }
}

#[test]
fn every_dynect_operation_has_fixtures_and_a_test() {
    let mut tests = String::new();
    let mut files = Vec::new();
    rust_files(&root().join("tests/it"), &mut files);
    for f in files {
        tests.push_str(&std::fs::read_to_string(f).expect("read"));
    }
    for (profile, version) in [(dynect_profile(2, 3, 1), "2.3.1"), (dynect_profile(3, 7, 16), "3.7.16")] {
        for op in profile.operations() {
            let name = profile.op_name(op);
            let dir = root().join(format!("fixtures/dynect/{version}/{name}"));
            let cases: Vec<String> = std::fs::read_dir(&dir)
                .map(|d| d.flatten().map(|f| f.file_name().to_string_lossy().into_owned()).collect())
                .unwrap_or_default();
            let requests = cases.iter().filter(|c| c.ends_with(".request.xml")).count();
            assert!(requests >= 2, "{}: a success and a failure case at least", dir.display());
            assert!(tests.contains(&format!("\"{name}\"")), "no test in tests/it calls {name}");
        }
    }
}

/// The children of the first `<data>` a writer produced, in order, repeated names collapsed.
fn data_children(out: &str) -> Vec<String> {
    let mut r = Reader::from_str(out);
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
    names
}

#[test]
fn dynect_user_data_writers_follow_their_wsdls() {
    let user = full_user();
    // Never written: the password (DynECT's UserData may carry it; we never do) and 2.3.1's unexplained pin.
    let never = ["password", "pin"];
    for (path, write) in [
        (DYNECT3_WSDL, usergate::messages::user_data::write_dynect3 as fn(&mut String, &User, bool)),
        (DYNECT2_WSDL, usergate::messages::user_data::write_dynect2),
    ] {
        let mut out = String::new();
        write(&mut out, &user, false);
        let wsdl: Vec<String> = wsdl_types_of(path)
            .get("UserData")
            .expect("UserData")
            .iter()
            .map(|e| e.0.clone())
            .filter(|n| !never.contains(&n.as_str()))
            .collect();
        assert_eq!(data_children(&out), wsdl, "{path}: UserData as written vs the WSDL");
    }
}

#[test]
fn update_user_data_writer_follows_the_wsdl_order() {
    use usergate::domain::ddns::{DdnsPassword, DdnsUser, DdnsUserId, Nickname};
    use usergate::domain::user::CustomerId;
    use usergate::domain::values::{Timestamp, UserName};
    use usergate::messages::profile::Generation;
    let user = DdnsUser {
        id: DdnsUserId(1),
        customer: CustomerId(1),
        user_name: UserName::parse("user_name", "ddns-x").expect("name"),
        nickname: Nickname::trusted("n".into()),
        blocked: false,
        created_at: Timestamp(1),
        updated_at: Timestamp(1),
        version: 1,
    };
    let password = DdnsPassword::trusted("p".into());
    for (path, ty, generation) in [
        ("wsdl/usergate.wsdl", "UpdateUserData", None),
        (DYNECT3_WSDL, "UpdateUser", Some(Generation::Three)),
        (DYNECT2_WSDL, "UpdateUser", Some(Generation::Two)),
    ] {
        let mut out = String::new();
        usergate::messages::update_users::write(&mut out, &user, Some(&password), generation);
        let wsdl: Vec<String> = wsdl_types_of(path).get(ty).expect("type").iter().map(|e| e.0.clone()).collect();
        assert_eq!(data_children(&out), wsdl, "{path}: {ty} as written vs the WSDL");
    }
}

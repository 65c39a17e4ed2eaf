//! Validated value types: a value that exists is valid, so past the edge nothing is "not checked yet".

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::error::DomainError;

/// Longest text field (DynECT's profile fields; design.md section 5).
pub const MAX_TEXT: usize = 255;

fn name_chars_ok(s: &str, extra: &[char]) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

/// 1-64 characters of letters, digits and `._-@`; stored as given, unique per customer ignoring case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserName(String);

impl UserName {
    pub fn parse(field: &str, s: &str) -> Result<Self, DomainError> {
        if s.is_empty() {
            return Err(DomainError::missing(field));
        }
        if s.chars().count() > 64 {
            return Err(DomainError::invalid(field, "longer than 64 characters"));
        }
        if !name_chars_ok(s, &['.', '_', '-', '@']) {
            return Err(DomainError::invalid(field, "only letters, digits and ._-@ are allowed"));
        }
        Ok(UserName(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The uniqueness key: names differ only if they differ ignoring ASCII case (the charset is ASCII).
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A customer (tenant) name: 1-64 letters, digits and `._-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerName(String);

impl CustomerName {
    pub fn parse(field: &str, s: &str) -> Result<Self, DomainError> {
        if s.is_empty() {
            return Err(DomainError::missing(field));
        }
        if s.chars().count() > 64 || !name_chars_ok(s, &['.', '_', '-']) {
            return Err(DomainError::invalid(field, "1-64 letters, digits and ._- expected"));
        }
        Ok(CustomerName(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// Free text of at most 255 characters, stored verbatim (no trimming).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn parse(field: &str, s: &str) -> Result<Self, DomainError> {
        if s.chars().count() > MAX_TEXT {
            return Err(DomainError::invalid(field, format_args!("longer than {MAX_TEXT} characters")));
        }
        Ok(Text(s.to_owned()))
    }
    /// A required text: empty means missing (suds sends unset required elements empty).
    pub fn required(field: &str, s: &str) -> Result<Self, DomainError> {
        if s.is_empty() {
            return Err(DomainError::missing(field));
        }
        Self::parse(field, s)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// For values read back from our own store, which were validated when written.
    pub fn trusted(s: String) -> Self {
        Text(s)
    }
}

/// A syntactically valid e-mail address: `local@domain`, no spaces, DNS-style domain labels.
pub fn parse_email(field: &str, s: &str) -> Result<Text, DomainError> {
    let bad = || DomainError::invalid(field, "not a valid address");
    let t = Text::parse(field, s)?;
    let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let domain_ok = !domain.is_empty()
        && domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok { Ok(t) } else { Err(bad()) }
}

/// DynECT's phone rule: non-digits are ignored; country code (1-3) + local number (>= 7) + extension (<= 4)
/// means 8 to 20 digits. The value is stored as given.
pub fn parse_phone(field: &str, s: &str) -> Result<Text, DomainError> {
    let t = Text::parse(field, s)?;
    let digits = s.chars().filter(char::is_ascii_digit).count();
    if !(8..=20).contains(&digits) {
        return Err(DomainError::invalid(field, "8 to 20 digits expected (country code, number, extension)"));
    }
    Ok(t)
}

/// An http(s) URL with a host.
pub fn parse_website(field: &str, s: &str) -> Result<Text, DomainError> {
    let t = Text::parse(field, s)?;
    let lower = s.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !s.chars().any(char::is_whitespace) => Ok(t),
        _ => Err(DomainError::invalid(field, "an http:// or https:// URL expected")),
    }
}

/// A zone grant: where a user's permissions apply (`recurse` Y = the zone and everything below it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub zone_name: Text,
    pub recurse: bool,
}

impl Zone {
    pub fn parse(zone_name: &str, recurse: Option<&str>) -> Result<Self, DomainError> {
        let zone_name = Text::required("zone_name", zone_name)?;
        let recurse = match recurse {
            None | Some("") | Some("Y") | Some("y") => true,
            Some("N") | Some("n") => false,
            Some(_) => return Err(DomainError::invalid("recurse", "Y or N expected")),
        };
        Ok(Zone { zone_name, recurse })
    }
}

/// A forbid rule: a permission denied, everywhere or only in the listed zones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbid {
    pub name: super::permission::Permission,
    pub zones: Vec<Zone>,
}

/// Seconds since the Unix epoch, UTC. Written on the wire as xsd:dateTime with `Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
    }
    pub fn plus_secs(self, secs: u64) -> Self {
        Timestamp(self.0.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX)))
    }
    /// An xsd:dateTime (`2026-11-23T06:52:28Z`; fractions of a second dropped, `+hh:mm`/`-hh:mm` offsets applied, no
    /// zone read as UTC) or a bare date (`2026-11-23`, its midnight UTC), not before 1970. INVALID_DATA naming `field`
    /// otherwise.
    pub fn parse(field: &str, s: &str) -> Result<Self, DomainError> {
        parse_date_time(s.trim())
            .filter(|secs| *secs >= 0)
            .map(Timestamp)
            .ok_or_else(|| DomainError::invalid(field, "an xsd:dateTime such as 2027-01-31T00:00:00Z expected"))
    }
    /// `2026-11-23T06:52:28Z`.
    pub fn to_rfc3339(self) -> String {
        let t = UNIX_EPOCH + Duration::from_secs(u64::try_from(self.0).unwrap_or(0));
        humantime::format_rfc3339_seconds(t).to_string()
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// Seconds since the epoch of `YYYY-MM-DD[Thh:mm:ss[.f*][Z|(+|-)hh:mm]]`; `None` when it is not one.
fn parse_date_time(s: &str) -> Option<i64> {
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let (y, m, d) = (digits(parts.next()?, 4)?, digits(parts.next()?, 2)?, digits(parts.next()?, 2)?);
    let month_days = [
        31,
        if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if parts.next().is_some() || !(1..=12).contains(&m) || d < 1 || d > month_days[usize::try_from(m - 1).ok()?] {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    let Some(time) = time else { return Some(secs) };
    let (clock, offset) = if let Some(t) = time.strip_suffix('Z') {
        (t, 0)
    } else if let Some(at) = time.rfind(['+', '-']) {
        let (t, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (hh, mm) = zone[1..].split_once(':')?;
        let (hh, mm) = (digits(hh, 2)?, digits(mm, 2)?);
        if hh > 14 || mm > 59 {
            return None;
        }
        (t, sign * (hh * 3600 + mm * 60))
    } else {
        (time, 0)
    };
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut hms = whole.split(':');
    let (h, mi, se) = (digits(hms.next()?, 2)?, digits(hms.next()?, 2)?, digits(hms.next()?, 2)?);
    if hms.next().is_some() || h > 23 || mi > 59 || se > 59 {
        return None;
    }
    secs += h * 3600 + mi * 60 + se - offset;
    Some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        assert!(UserName::parse("user_name", "a.b_c-d@e").is_ok());
        assert_eq!(UserName::parse("user_name", "").unwrap_err().info, "user_name: required");
        assert!(UserName::parse("user_name", "bad name").is_err());
        assert!(UserName::parse("user_name", &"x".repeat(65)).is_err());
        assert!(UserName::parse("user_name", &"x".repeat(64)).is_ok());
        assert_eq!(UserName::parse("u", "AbC").unwrap().key(), "abc");
    }

    #[test]
    fn emails() {
        for ok in ["a@b", "first.last+tag@example.co.uk", "owner@localhost"] {
            assert!(parse_email("email", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "@b", "a@", "a b@c", "a@b..c", "a@-b", ".a@b", "a@b c"] {
            assert_eq!(parse_email("email", bad).unwrap_err().info, "email: not a valid address", "{bad}");
        }
    }

    #[test]
    fn phones() {
        assert!(parse_phone("phone", "+1 (603) 555-0100").is_ok());
        assert!(parse_phone("phone", "1234567").is_err());
        assert!(parse_phone("phone", "12345678").is_ok());
        assert!(parse_phone("phone", &"1".repeat(20)).is_ok());
        assert!(parse_phone("phone", &"1".repeat(21)).is_err());
    }

    #[test]
    fn websites_and_text() {
        assert!(parse_website("website", "https://example.org/x").is_ok());
        assert!(parse_website("website", "HTTP://example.org").is_ok());
        assert!(parse_website("website", "ftp://example.org").is_err());
        assert!(parse_website("website", "http://").is_err());
        assert!(Text::parse("city", &"é".repeat(255)).is_ok());
        assert!(Text::parse("city", &"é".repeat(256)).is_err());
        assert_eq!(Text::parse("city", "  x ").unwrap().as_str(), "  x ");
    }

    #[test]
    fn zones_and_time() {
        assert!(Zone::parse("example.org", None).unwrap().recurse);
        assert!(!Zone::parse("example.org", Some("N")).unwrap().recurse);
        assert!(Zone::parse("example.org", Some("maybe")).is_err());
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        let t = |s: &str| Timestamp::parse("since", s).map(|t| t.0);
        assert_eq!(t("2026-11-23T06:52:28Z"), Ok(1_795_416_748));
        assert_eq!(t("2026-11-23T06:52:28.125Z"), Ok(1_795_416_748));
        assert_eq!(t("2026-11-23T08:52:28+02:00"), Ok(1_795_416_748));
        assert_eq!(t("2026-11-23T06:52:28"), Ok(1_795_416_748));
        assert_eq!(t("2026-11-23"), Ok(1_795_392_000));
        assert_eq!(t("2024-02-29T00:00:00Z"), Ok(1_709_164_800));
        assert_eq!(Timestamp(1_795_416_748).to_rfc3339(), "2026-11-23T06:52:28Z");
        for bad in
            ["", "yesterday", "2026-13-01", "2026-02-29", "2026-11-23T25:00:00Z", "2026-11-23T06:52Z", "2026-1-2"]
        {
            assert_eq!(
                t(bad).unwrap_err().info,
                "since: an xsd:dateTime such as 2027-01-31T00:00:00Z expected",
                "{bad}"
            );
        }
        assert_eq!(Timestamp::parse("t", "2027-01-31T00:00:00Z").unwrap().to_rfc3339(), "2027-01-31T00:00:00Z");
        assert!(Timestamp::parse("t", "next tuesday").is_err());
        assert!(Timestamp::parse("t", "1969-01-01T00:00:00Z").is_err());
    }
}

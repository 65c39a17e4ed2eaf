//! Reverse proxies: which peers are trusted (`trusted_proxies`, CIDRs), and the client address and scheme that a
//! trusted peer forwards (`X-Forwarded-For`, `X-Forwarded-Proto`). Nothing from an untrusted peer is believed.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use http::HeaderMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An address block such as `10.0.0.0/8` or `fd00::/8`; a bare address is a block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // A v4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
        match (self.net, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => mask_v4(ip, self.prefix) == net,
            (IpAddr::V6(net), IpAddr::V6(ip)) => mask_v6(ip, self.prefix) == net,
            _ => false,
        }
    }
}

fn mask_v4(ip: std::net::Ipv4Addr, prefix: u8) -> std::net::Ipv4Addr {
    let bits = u32::from(ip);
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
    (bits & mask).into()
}

fn mask_v6(ip: std::net::Ipv6Addr, prefix: u8) -> std::net::Ipv6Addr {
    let bits = u128::from(ip);
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
    (bits & mask).into()
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let ip = IpAddr::from_str(addr).map_err(|_| format!("{s:?} is not an address or CIDR block"))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{s:?}: bad prefix length"))?,
        };
        let net = match ip {
            IpAddr::V4(v4) => IpAddr::V4(mask_v4(v4, prefix)),
            IpAddr::V6(v6) => IpAddr::V6(mask_v6(v6, prefix)),
        };
        Ok(Cidr { net, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cidr, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// `trusted_proxies`: a TOML array of strings, or one comma-separated string (environment variables, flags).
pub fn cidr_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Cidr>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        Many(Vec<String>),
        One(String),
    }
    let items = match List::deserialize(d)? {
        List::Many(v) => v,
        List::One(s) => s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
    };
    items.iter().map(|s| s.parse().map_err(serde::de::Error::custom)).collect()
}

/// Where a request came from, as far as we believe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub client: IpAddr,
    /// The scheme a trusted proxy says the client used (`X-Forwarded-Proto`), if it said `http` or `https`.
    pub forwarded_proto: Option<&'static str>,
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy; then the right-most `X-Forwarded-For`
/// address that is not itself a trusted proxy (the left-most if all are). Entries left of an unreadable one are
/// not believed: only trusted hops could have appended what lies right of it.
pub fn origin(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> Origin {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if trusted.is_empty() || !is_trusted(peer) {
        return Origin { client: peer, forwarded_proto: None };
    }
    let mut client = peer;
    let hops = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
    'walk: for value in hops.iter().rev() {
        for hop in value.rsplit(',') {
            let Some(ip) = parse_hop(hop.trim()) else {
                break 'walk;
            };
            client = ip;
            if !is_trusted(ip) {
                break 'walk;
            }
        }
    }
    let forwarded_proto =
        headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).and_then(|v| v.rsplit(',').next()).and_then(
            |p| match p.trim().to_ascii_lowercase().as_str() {
                "https" => Some("https"),
                "http" => Some("http"),
                _ => None,
            },
        );
    Origin { client, forwarded_proto }
}

/// An X-Forwarded-For entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|s| s.parse().expect("cidr")).collect()
    }

    fn headers(xff: &[&str], proto: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("value"));
        }
        if let Some(p) = proto {
            h.insert("x-forwarded-proto", HeaderValue::from_str(p).expect("value"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn cidr_parsing_and_membership() {
        let c: Cidr = "10.1.2.3/8".parse().expect("cidr");
        assert_eq!(c.to_string(), "10.0.0.0/8");
        assert!(c.contains(ip("10.200.0.1")));
        assert!(c.contains(ip("::ffff:10.0.0.1")), "v4-mapped v6 peers count as v4");
        assert!(!c.contains(ip("11.0.0.1")));
        let one: Cidr = "192.168.1.1".parse().expect("cidr");
        assert!(one.contains(ip("192.168.1.1")) && !one.contains(ip("192.168.1.2")));
        let v6: Cidr = "fd00::/8".parse().expect("cidr");
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!("0.0.0.0/0".parse::<Cidr>().expect("all").contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0.0/x", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn untrusted_peers_are_taken_as_they_are() {
        let h = headers(&["1.2.3.4"], Some("https"));
        let none = origin(ip("127.0.0.1"), &h, &[]);
        assert_eq!(none, Origin { client: ip("127.0.0.1"), forwarded_proto: None });
        let other = origin(ip("127.0.0.1"), &h, &cidrs(&["10.0.0.0/8"]));
        assert_eq!(other.client, ip("127.0.0.1"));
    }

    #[test]
    fn trusted_peers_give_the_rightmost_untrusted_hop() {
        let trusted = cidrs(&["10.0.0.0/8"]);
        let peer = ip("10.0.0.1");
        // The client may put anything on the left; only the hop our proxy appended counts.
        let h = headers(&["6.6.6.6, 1.2.3.4, 10.0.0.7"], Some("HTTPS"));
        assert_eq!(origin(peer, &h, &trusted), Origin { client: ip("1.2.3.4"), forwarded_proto: Some("https") });
        let split = headers(&["6.6.6.6", "1.2.3.4:5555"], None);
        assert_eq!(origin(peer, &split, &trusted).client, ip("1.2.3.4"));
        let all_trusted = headers(&["10.9.9.9, 10.0.0.7"], Some("gopher"));
        assert_eq!(origin(peer, &all_trusted, &trusted), Origin { client: ip("10.9.9.9"), forwarded_proto: None });
        let garbage = headers(&["1.2.3.4, junk, 10.0.0.7"], None);
        assert_eq!(origin(peer, &garbage, &trusted).client, ip("10.0.0.7"));
        assert_eq!(origin(peer, &HeaderMap::new(), &trusted).client, peer);
    }
}

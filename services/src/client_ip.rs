//! The client's address: the peer's, unless the peer is one of the
//! configured trusted proxies (`MUTUA_TRUSTED_PROXIES`), in which case the
//! nearest address in `X-Forwarded-For` (or `Forwarded`) that is not itself
//! a trusted proxy. Anyone can write those headers; only a proxy we trust
//! appends to them honestly, so they are read from the right.

use http::HeaderMap;
use std::net::IpAddr;

/// An address range (`10.0.0.0/8`, `fd00::/8`) or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(raw: &str) -> Option<Cidr> {
        let (addr, prefix) = match raw.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (raw.trim(), None),
        };
        let net: IpAddr = addr.parse().ok()?;
        let net = net.to_canonical();
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose forwarding headers are believed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct TrustedProxies(Vec<Cidr>);

impl TryFrom<String> for TrustedProxies {
    type Error = String;
    fn try_from(list: String) -> Result<Self, String> {
        TrustedProxies::parse(&list).map_err(|bad| format!("{bad:?} is not an address or range"))
    }
}

impl TrustedProxies {
    /// A list separated by commas or spaces; `Err` names the bad item.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split([',', ' '])
            .filter(|s| !s.trim().is_empty())
            .map(|s| Cidr::parse(s).ok_or_else(|| s.trim().to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client behind `peer`, given the request's headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_for(headers);
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = hop else {
                // Garbage where an address should be: stop at the last
                // hop we could read.
                break;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// Every hop named by `X-Forwarded-For` (or, without it, `Forwarded`),
/// in order; `None` for one that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let xff: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if !xff.is_empty() {
        return xff.into_iter().map(parse_hop).collect();
    }
    headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| parse_hop(v))
            })
        })
        .collect()
}

/// `203.0.113.7`, `"[2001:db8::1]:4711"`, `198.51.100.1:8080`.
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = s.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            if let Ok(v) = v.parse() {
                h.append(*k, v);
            }
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| panic!("not an address: {s}"))
    }

    fn cidr(s: &str) -> Cidr {
        Cidr::parse(s).unwrap_or_else(|| panic!("not a range: {s}"))
    }

    #[test]
    fn ranges() {
        let c = cidr("10.0.0.0/8");
        assert!(c.contains(ip("10.200.1.1")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(c.contains(ip("::ffff:10.1.2.3")));
        let one = cidr("192.0.2.5");
        assert!(one.contains(ip("192.0.2.5")) && !one.contains(ip("192.0.2.6")));
        let v6 = cidr("fd00::/8");
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!(cidr("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(Cidr::parse("proxy.local"), None);
        assert_eq!(TrustedProxies::parse("10.0.0.1, x"), Err("x".to_owned()));
    }

    #[test]
    fn headers_count_only_from_a_trusted_peer() {
        let none = TrustedProxies::default();
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(none.client(ip("203.0.113.9"), &spoofed), ip("203.0.113.9"));

        let lb = TrustedProxies::parse("10.0.0.0/8 127.0.0.1").unwrap_or_default();
        // The client wrote a fake first hop; the proxy appended the real one.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7")]);
        assert_eq!(lb.client(ip("10.0.0.2"), &h), ip("198.51.100.7"));
        // Two proxies of ours in a row.
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-for", "10.0.0.3"),
        ]);
        assert_eq!(lb.client(ip("127.0.0.1"), &h), ip("198.51.100.7"));
        // Nothing forwarded, or garbage: the peer.
        assert_eq!(lb.client(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
        let h = headers(&[("x-forwarded-for", "nonsense")]);
        assert_eq!(lb.client(ip("10.0.0.2"), &h), ip("10.0.0.2"));
        // RFC 7239.
        let h = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8::17]:4711\"",
        )]);
        assert_eq!(lb.client(ip("10.0.0.2"), &h), ip("2001:db8::17"));
    }
}

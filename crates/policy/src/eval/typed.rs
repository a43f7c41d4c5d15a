//! Comparisons of typed condition values that the value grammars in
//! `values` and `date` do not already give: whether an address lies in a
//! CIDR block, base64 decoding for `BinaryEquals`, and reading a request's
//! boolean.
//!
//! Request values are data the server put in the context; when one does
//! not parse as the operator's type it simply equals nothing (the condition
//! module turns that into "does not match" for positive operators).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::IpNet;

/// Is `addr` inside `net`? IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`)
/// are the IPv4 address they carry, on either side: `::ffff:10.1.2.3` is in
/// `10.0.0.0/8`, and `10.1.2.3` is in `::ffff:10.0.0.0/104`. Otherwise an
/// IPv4 address is never in an IPv6 block, nor the reverse.
pub(crate) fn ip_in(net: &IpNet, addr: IpAddr) -> bool {
    let addr = unmap(addr);
    match (canonical_net(net), addr) {
        ((IpAddr::V4(n), len), IpAddr::V4(a)) => prefix_eq_v4(n, a, len),
        ((IpAddr::V6(n), len), IpAddr::V6(a)) => prefix_eq_v6(n, a, len),
        // A v6 block shorter than /96 over the mapped range can still hold
        // a v4 address, in its mapped form.
        ((IpAddr::V6(n), len), IpAddr::V4(a)) => prefix_eq_v6(n, a.to_ipv6_mapped(), len),
        ((IpAddr::V4(_), _), IpAddr::V6(_)) => false,
    }
}

/// Parses a request's address: a bare IPv4 or IPv6 address.
pub(crate) fn parse_addr(text: &str) -> Option<IpAddr> {
    text.parse().ok()
}

fn unmap(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// A block inside `::ffff:0:0/96` is the IPv4 block it maps.
fn canonical_net(net: &IpNet) -> (IpAddr, u8) {
    match net.addr() {
        IpAddr::V6(v6) if net.prefix_len() >= 96 => match v6.to_ipv4_mapped() {
            Some(v4) => (IpAddr::V4(v4), net.prefix_len() - 96),
            None => (IpAddr::V6(v6), net.prefix_len()),
        },
        addr => (addr, net.prefix_len()),
    }
}

fn prefix_eq_v4(net: Ipv4Addr, addr: Ipv4Addr, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(net) & mask == u32::from(addr) & mask
}

fn prefix_eq_v6(net: Ipv6Addr, addr: Ipv6Addr, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(net) & mask == u128::from(addr) & mask
}

/// Decodes standard base64 with `=` padding (as `crate::is_base64`
/// accepts). Non-canonical encodings, whose unused trailing bits are not
/// zero, are refused so that each byte string has one spelling.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    if !crate::is_base64(text) {
        return None;
    }
    let digits: Vec<u8> = text
        .bytes()
        .filter(|&b| b != b'=')
        .map(sextet)
        .collect::<Option<_>>()?;
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for d in digits {
        acc = (acc << 6) | u32::from(d);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (acc == 0).then_some(out)
}

fn sextet(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Reads a boolean from a request or a substituted policy value:
/// `true`/`false` in any case.
pub(crate) fn parse_bool_loose(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(net: &str, addr: &str) -> bool {
        ip_in(&IpNet::parse(net).unwrap(), parse_addr(addr).unwrap())
    }

    #[test]
    fn cidr_membership() {
        let cases = [
            ("203.0.113.0/24", "203.0.113.7", true),
            ("203.0.113.0/24", "203.0.114.7", false),
            ("203.0.113.9/24", "203.0.113.200", true),
            ("0.0.0.0/0", "198.51.100.1", true),
            ("192.0.2.7", "192.0.2.7", true),
            ("192.0.2.7", "192.0.2.8", false),
            ("10.0.0.0/8", "::ffff:10.9.8.7", true),
            ("10.0.0.0/8", "::ffff:11.9.8.7", false),
            ("::ffff:10.0.0.0/104", "10.20.30.40", true),
            ("::ffff:10.0.0.0/104", "11.20.30.40", false),
            ("::/0", "10.0.0.1", true),
            ("2001:db8::/32", "2001:db8:1::5", true),
            ("2001:DB8::/32", "2001:db9::5", false),
            ("2001:db8::/32", "10.0.0.1", false),
            ("10.0.0.0/8", "2001:db8::1", false),
            ("::1", "::1", true),
            ("::/0", "::", true),
        ];
        for (net, addr, want) in cases {
            assert_eq!(inside(net, addr), want, "{addr} in {net}");
        }
        assert_eq!(parse_addr("10.0.0.1/32"), None);
        assert_eq!(parse_addr("fe80::1%eth0"), None);
        assert_eq!(parse_addr(""), None);
    }

    #[test]
    fn base64_decoding() {
        assert_eq!(decode_base64(""), Some(vec![]));
        assert_eq!(decode_base64("YQ=="), Some(b"a".to_vec()));
        assert_eq!(decode_base64("YWI="), Some(b"ab".to_vec()));
        assert_eq!(decode_base64("YWJj"), Some(b"abc".to_vec()));
        assert_eq!(decode_base64("+/+/"), Some(vec![0xfb, 0xff, 0xbf]));
        assert_eq!(decode_base64("YR=="), None);
        assert_eq!(decode_base64("YQ"), None);
        assert_eq!(decode_base64("Y!=="), None);
    }

    #[test]
    fn loose_bools() {
        assert_eq!(parse_bool_loose("TRUE"), Some(true));
        assert_eq!(parse_bool_loose("False"), Some(false));
        assert_eq!(parse_bool_loose("1"), None);
        assert_eq!(parse_bool_loose(""), None);
    }
}

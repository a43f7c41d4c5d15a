//! The typed condition values other than dates: numbers, booleans, base64
//! and IP addresses or CIDR blocks.
//!
//! Owns the one definition of each value grammar, used at write time to
//! reject a policy whose typed condition value does not parse (I16), and
//! meant to be used again by the evaluator, so that what was accepted is
//! exactly what will be compared. Pure functions of one string; no policy
//! structure here.

use std::net::IpAddr;

/// Parses a `Numeric*` value: an optional `-`, digits, and optionally `.`
/// followed by digits (`10`, `-3`, `0.25`). No `+`, exponent, `inf` or
/// `NaN`, which `f64::from_str` would otherwise let through, and nothing
/// too large for an `f64`.
pub fn parse_numeric(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    text.parse().ok().filter(|v: &f64| v.is_finite())
}

/// Parses a `Bool` or `Null` value: exactly `true` or `false`, as IAM
/// documents them (JSON booleans are normalised to this text on parse).
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Is `text` standard base64 (RFC 4648 alphabet, `=` padding to a multiple
/// of four characters), as `BinaryEquals` requires?
pub fn is_base64(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    if padding > 2 {
        return false;
    }
    bytes[..bytes.len() - padding]
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// An IP address range from an `IpAddress`/`NotIpAddress` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix_len: u8,
}

impl IpNet {
    /// Parses an IPv4 or IPv6 address with an optional `/prefix`. A bare
    /// address is a single host (`/32` or `/128`), as IAM documents. Host
    /// bits below the prefix are allowed (`10.0.0.1/8` is `10.0.0.0/8`).
    pub fn parse(text: &str) -> Option<IpNet> {
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix_len = match prefix_text {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().ok().filter(|&n| n <= max)?
            }
            Some(_) => return None,
        };
        Some(IpNet { addr, prefix_len })
    }

    /// The address as written (host bits not cleared).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length: 0–32 for IPv4, 0–128 for IPv6.
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_grammar() {
        for ok in [
            "0",
            "10",
            "-3",
            "0.25",
            "007",
            "-0",
            "123456789012345678901234",
        ] {
            assert!(parse_numeric(ok).is_some(), "{ok}");
        }
        for bad in [
            "", "-", "+1", "1.", ".5", "1e3", "inf", "NaN", "1,5", " 1", "0x10", "1.2.3",
        ] {
            assert!(parse_numeric(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_numeric("-2.5"), Some(-2.5));
        assert_eq!(parse_numeric(&"9".repeat(400)), None);
    }

    #[test]
    fn bool_grammar() {
        assert_eq!(parse_bool("true"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        for bad in ["True", "FALSE", "1", "yes", ""] {
            assert_eq!(parse_bool(bad), None, "{bad}");
        }
    }

    #[test]
    fn base64_grammar() {
        for ok in [
            "",
            "QmluYXJ5VmFsdWVJbkJhc2U2NA==",
            "YQ==",
            "YWI=",
            "YWJj",
            "+/+/",
        ] {
            assert!(is_base64(ok), "{ok}");
        }
        for bad in ["YQ", "YQ=", "Y===", "YW=j", "YW J", "YW-_", "é123"] {
            assert!(!is_base64(bad), "{bad}");
        }
    }

    #[test]
    fn ip_grammar() {
        let net = IpNet::parse("203.0.113.0/24").unwrap();
        assert_eq!(net.prefix_len(), 24);
        assert_eq!(IpNet::parse("192.0.2.7").unwrap().prefix_len(), 32);
        assert_eq!(
            IpNet::parse("2001:DB8:1234:5678::/64")
                .unwrap()
                .prefix_len(),
            64
        );
        assert_eq!(IpNet::parse("::1").unwrap().prefix_len(), 128);
        assert!(IpNet::parse("::ffff:192.0.2.1/128").is_some());
        assert!(IpNet::parse("0.0.0.0/0").is_some());
        for bad in [
            "",
            "10.0.0.0/",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0",
            "256.0.0.1",
            "01.2.3.4",
            "10.0.0.0/8/8",
            "fe80::1%eth0",
            "host",
            "10.0.0.0/0008",
        ] {
            assert!(IpNet::parse(bad).is_none(), "{bad}");
        }
    }
}

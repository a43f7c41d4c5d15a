//! Shamir secret sharing of the seal key S, Vault style: N shares, any K
//! of which rebuild S.
//!
//! The arithmetic is blahaj's (GF(256), one polynomial per key byte, random
//! coefficients drawn from all of [0, 255] — the fix for RUSTSEC-2024-0398
//! in sharks, which it forks). This file owns the share text, its checks and
//! the collection of shares during an unseal.
//!
//! # Share text, version 1
//!
//! ```text
//! tresor-share-v1-9f3a0c7e-02-03-<64 hex digits>-1b7e40c2
//! \______________/ \______/ \/ \/ \____________/ \______/
//!  prefix+version   set id  |  |  payload (y)    checksum
//!                      index x  threshold K
//! ```
//!
//! * 104 characters, all from `[a-z0-9-]`: nothing a shell, a terminal or a
//!   mail client mangles, and it never starts with `-`. Input is accepted in
//!   either case and with surrounding whitespace.
//! * `set id`: 4 random bytes per [`split`], so shares from another split
//!   (an older rekey, another server) are recognised as such.
//! * `index`: the share's x coordinate, 1..=255 (x = 0 would be S itself).
//! * `threshold`: K, so a share cannot be used with the wrong K.
//! * `payload`: the 32 bytes f(x), one per key byte.
//! * `checksum`: the first 4 bytes of SHA-256 over the lowercase text before
//!   it (prefix through payload, without the last `-`). It catches typos
//!   before anything is combined; it is not a MAC: a wrong-but-well-formed
//!   share yields a wrong S, which the caller detects when R fails to unwrap.
//!
//! # Side channels and memory
//!
//! The payload is hex-encoded and decoded without branches or table lookups
//! on its value, and checksums are compared in constant time. blahaj's GF(256)
//! multiplication uses log/exp tables indexed by share and key bytes, so
//! [`split`] and [`Unsealer::combine`] are *not* constant time (the class of
//! Vault's CVE-2023-25000). Both run once per init or unseal on the server's
//! own CPU, which limits an attacker to a co-resident cache-timing probe at
//! that moment. Closing it needs a constant-time (bit-sliced) multiply, as
//! Vault's fix did: upstream in blahaj, or another library.
//! Share text, parsed shares and blahaj's polynomial and share values are
//! zeroized on drop (blahaj's `zeroize_memory` feature).

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::digest::{SHA256, digest};
use blahaj::Sharks;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{SEAL_KEY_LEN, SealError};
use crate::kms::aead::random_bytes;

const PREFIX: &str = "tresor-share-v1-";
const FAMILY: &str = "tresor-share-";
const SET_AT: usize = PREFIX.len();
const INDEX_AT: usize = SET_AT + 8 + 1;
const THRESHOLD_AT: usize = INDEX_AT + 2 + 1;
const PAYLOAD_AT: usize = THRESHOLD_AT + 2 + 1;
const CHECK_AT: usize = PAYLOAD_AT + 2 * SEAL_KEY_LEN + 1;
const CHECK_LEN: usize = 4;
/// Length of a share's text.
pub const SHARE_TEXT_LEN: usize = CHECK_AT + 2 * CHECK_LEN;

/// One share as an operator keeps it. Zeroized on drop; `Debug` is redacted.
pub struct Share(Zeroizing<String>);

impl Share {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Share(<redacted>)")
    }
}

/// Names the shares of one [`split`]. Not secret: the integrator stores it
/// next to the wrapped root key and shows it to operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShareSetId([u8; 4]);

impl ShareSetId {
    pub fn from_bytes(bytes: [u8; 4]) -> Self {
        ShareSetId(bytes)
    }

    pub fn to_bytes(self) -> [u8; 4] {
        self.0
    }
}

impl fmt::Display for ShareSetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl FromStr for ShareSetId {
    type Err = SealError;

    /// Parses the 8 hex digits [`Display`](fmt::Display) writes.
    fn from_str(s: &str) -> Result<Self, SealError> {
        let mut bytes = [0u8; 4];
        public_hex(s, &mut bytes)
            .ok_or(SealError::MalformedShare("a share set id is 8 hex digits"))?;
        Ok(ShareSetId(bytes))
    }
}

/// How far an unseal has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub have: u8,
    pub need: u8,
}

impl Progress {
    pub fn is_complete(self) -> bool {
        self.have == self.need
    }
}

/// Splits `secret` into `shares` shares, any `threshold` of which rebuild
/// it. Rules, as Vault's: `1 <= threshold <= shares <= 255`, and
/// `threshold >= 2` unless there is a single share.
pub fn split(
    secret: &[u8; SEAL_KEY_LEN],
    shares: u8,
    threshold: u8,
) -> Result<(ShareSetId, Vec<Share>), SealError> {
    let set = ShareSetId(*random_bytes::<4>());
    Ok((set, split_for_set(secret, shares, threshold, set)?))
}

fn split_for_set(
    secret: &[u8; SEAL_KEY_LEN],
    shares: u8,
    threshold: u8,
    set: ShareSetId,
) -> Result<Vec<Share>, SealError> {
    check_parameters(shares, threshold)?;
    let mut out = Vec::with_capacity(shares.into());
    for share in Sharks(threshold).dealer(secret).take(shares.into()) {
        // `x ‖ y`, as blahaj serialises a share.
        let bytes = Zeroizing::new(Vec::from(&share));
        let payload: &[u8; SEAL_KEY_LEN] = bytes[1..].try_into().map_err(|_| SealError::Combine)?;
        out.push(encode(set, bytes[0], threshold, payload));
    }
    Ok(out)
}

fn check_parameters(shares: u8, threshold: u8) -> Result<(), SealError> {
    let problem = if shares == 0 {
        "at least one share is needed"
    } else if threshold == 0 {
        "the threshold must be at least 1"
    } else if threshold > shares {
        "the threshold cannot be larger than the number of shares"
    } else if threshold == 1 && shares > 1 {
        "with more than one share the threshold must be at least 2 \
         (with a threshold of 1 every share is the whole key)"
    } else {
        return Ok(());
    };
    Err(SealError::ShareParameters(problem))
}

/// A share after its text has been checked.
struct ParsedShare {
    set: ShareSetId,
    index: u8,
    threshold: u8,
    payload: Zeroizing<[u8; SEAL_KEY_LEN]>,
}

fn encode(set: ShareSetId, index: u8, threshold: u8, payload: &[u8; SEAL_KEY_LEN]) -> Share {
    let mut text = Zeroizing::new(String::with_capacity(SHARE_TEXT_LEN));
    text.push_str(PREFIX);
    text.push_str(&format!("{set}-{index:02x}-{threshold:02x}-"));
    for byte in payload {
        text.push(char::from(ct_hex_digit(byte >> 4)));
        text.push(char::from(ct_hex_digit(byte & 0x0f)));
    }
    let check = checksum(&text);
    text.push('-');
    text.push_str(&hex::encode(check));
    debug_assert_eq!(text.len(), SHARE_TEXT_LEN);
    Share(text)
}

fn checksum(body: &str) -> [u8; CHECK_LEN] {
    let hash = digest(&SHA256, body.as_bytes());
    let mut out = [0u8; CHECK_LEN];
    out.copy_from_slice(&hash.as_ref()[..CHECK_LEN]);
    out
}

fn parse(input: &str) -> Result<ParsedShare, SealError> {
    let input = input.trim();
    if !input.is_ascii() {
        return Err(SealError::MalformedShare(
            "it contains characters that never occur in a share",
        ));
    }
    let text = Zeroizing::new(input.to_ascii_lowercase());
    if !text.starts_with(PREFIX) {
        return Err(SealError::MalformedShare(if text.starts_with(FAMILY) {
            "its format version is unknown; was it made by a newer Tresor?"
        } else {
            "a share begins with tresor-share-v1-"
        }));
    }
    if text.len() != SHARE_TEXT_LEN {
        return Err(SealError::MalformedShare(
            "it has the wrong length; was part of it lost in copying?",
        ));
    }
    let bytes = text.as_bytes();
    if [INDEX_AT, THRESHOLD_AT, PAYLOAD_AT, CHECK_AT].map(|at| bytes[at - 1]) != [b'-'; 4] {
        return Err(SealError::MalformedShare(
            "its parts are not separated by '-' where expected",
        ));
    }
    let mut set = [0u8; 4];
    let mut index = [0u8; 1];
    let mut threshold = [0u8; 1];
    let mut check = [0u8; CHECK_LEN];
    let mut payload = Zeroizing::new([0u8; SEAL_KEY_LEN]);
    let well_formed = public_hex(&text[SET_AT..INDEX_AT - 1], &mut set).is_some()
        & public_hex(&text[INDEX_AT..THRESHOLD_AT - 1], &mut index).is_some()
        & public_hex(&text[THRESHOLD_AT..PAYLOAD_AT - 1], &mut threshold).is_some()
        & public_hex(&text[CHECK_AT..], &mut check).is_some()
        & ct_hex_decode(&bytes[PAYLOAD_AT..CHECK_AT - 1], &mut *payload);
    if !well_formed {
        return Err(SealError::MalformedShare(
            "it contains characters that never occur in a share",
        ));
    }
    if !bool::from(checksum(&text[..CHECK_AT - 1]).ct_eq(&check)) {
        return Err(SealError::ShareChecksum);
    }
    if index[0] == 0 || threshold[0] == 0 {
        return Err(SealError::MalformedShare(
            "its share number or threshold is zero",
        ));
    }
    Ok(ParsedShare {
        set: ShareSetId(set),
        index: index[0],
        threshold: threshold[0],
        payload,
    })
}

/// Decodes hex of fields that are not secret. `None` unless `s` is exactly
/// `2 * out.len()` hex digits.
fn public_hex(s: &str, out: &mut [u8]) -> Option<()> {
    let digits_only = s.bytes().all(|b| b.is_ascii_hexdigit());
    (digits_only && s.len() == 2 * out.len())
        .then(|| hex::decode_to_slice(s, out).ok())
        .flatten()
}

/// `-1` (all ones) when `lo <= c <= hi`, else `0`; no branches.
fn ct_in_range(c: i16, lo: i16, hi: i16) -> i16 {
    ((lo - 1 - c) & (c - hi - 1)) >> 15
}

/// Lowercase hex digit of a nibble, without branching on its value.
fn ct_hex_digit(nibble: u8) -> u8 {
    let n = i16::from(nibble);
    (n + 0x30 + (((9 - n) >> 8) & 0x27)) as u8
}

/// Decodes lowercase hex into `out` without branching on the digits; false
/// if any character is not a lowercase hex digit (`out` is then garbage).
fn ct_hex_decode(digits: &[u8], out: &mut [u8]) -> bool {
    if digits.len() != 2 * out.len() {
        return false;
    }
    let mut invalid = 0i16;
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let mut value = 0i16;
        for &c in pair {
            let c = i16::from(c);
            let digit = ct_in_range(c, 0x30, 0x39);
            let letter = ct_in_range(c, 0x61, 0x66);
            invalid |= !(digit | letter);
            value = (value << 4) | (digit & (c - 0x30)) | (letter & (c - 0x57));
        }
        *byte = value as u8;
    }
    invalid == 0
}

/// Collects the shares of one set during an unseal, then combines them.
pub struct Unsealer {
    set: ShareSetId,
    threshold: u8,
    /// Capacity `threshold`, reserved up front so that pushing never moves
    /// (and so copies) share bytes.
    shares: Vec<ParsedShare>,
}

impl fmt::Debug for Unsealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unsealer")
            .field("set", &self.set)
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

impl Unsealer {
    pub fn new(set: ShareSetId, threshold: u8) -> Self {
        Unsealer {
            set,
            threshold,
            shares: Vec::with_capacity(threshold.into()),
        }
    }

    pub fn progress(&self) -> Progress {
        Progress {
            have: self.shares.len() as u8,
            need: self.threshold,
        }
    }

    /// Adds one share (as typed by an operator; surrounding whitespace
    /// ignored) and returns the progress. Rejects malformed text, a wrong
    /// checksum, a share of another set or threshold, and a second share
    /// with the same number; errors never echo share material.
    pub fn add(&mut self, share: &str) -> Result<Progress, SealError> {
        let progress = self.progress();
        if progress.have >= progress.need {
            return Err(SealError::EnoughShares {
                need: progress.need,
            });
        }
        let share = parse(share)?;
        if share.set != self.set {
            return Err(SealError::OtherShareSet {
                got: share.set,
                expected: self.set,
            });
        }
        if share.threshold != self.threshold {
            return Err(SealError::ThresholdMismatch {
                got: share.threshold,
                expected: self.threshold,
            });
        }
        if self.shares.iter().any(|s| s.index == share.index) {
            return Err(SealError::DuplicateShare);
        }
        self.shares.push(share);
        Ok(self.progress())
    }

    /// Once `have == need`: the secret the shares define. Whether it is the
    /// *right* one is for the caller to check, by unwrapping R with it.
    pub fn combine(&self) -> Result<Zeroizing<[u8; SEAL_KEY_LEN]>, SealError> {
        let Progress { have, need } = self.progress();
        if have == 0 || have != need {
            return Err(SealError::NotEnoughShares { have, need });
        }
        let mut points = Vec::with_capacity(self.shares.len());
        for share in &self.shares {
            let mut bytes = Zeroizing::new([0u8; 1 + SEAL_KEY_LEN]);
            bytes[0] = share.index;
            bytes[1..].copy_from_slice(&*share.payload);
            points.push(blahaj::Share::try_from(&bytes[..]).map_err(|_| SealError::Combine)?);
        }
        let secret = Zeroizing::new(
            Sharks(self.threshold)
                .recover(&points)
                .map_err(|_| SealError::Combine)?,
        );
        let mut out = Zeroizing::new([0u8; SEAL_KEY_LEN]);
        if secret.len() != SEAL_KEY_LEN {
            return Err(SealError::Combine);
        }
        out.copy_from_slice(&secret);
        Ok(out)
    }

    /// Forgets every share entered so far.
    pub fn reset(&mut self) {
        self.shares.clear();
    }
}

#[cfg(test)]
#[path = "shamir_tests.rs"]
mod tests;

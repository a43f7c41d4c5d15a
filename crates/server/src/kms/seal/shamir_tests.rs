//! Tests of Shamir splitting, the share text and the unseal flow.

use super::*;
use crate::kms::aead;

fn random_key() -> Zeroizing<[u8; SEAL_KEY_LEN]> {
    random_bytes::<SEAL_KEY_LEN>()
}

fn payload_hex(share: &Share) -> &str {
    &share.as_str()[PAYLOAD_AT..CHECK_AT - 1]
}

/// No 8-character window of any share's payload appears in `message`.
fn assert_no_material(message: &str, shares: &[Share]) {
    for share in shares {
        let hex = payload_hex(share);
        for start in 0..=hex.len() - 8 {
            assert!(
                !message.contains(&hex[start..start + 8]),
                "message echoes share material: {message}"
            );
        }
    }
}

fn unseal(set: ShareSetId, threshold: u8, shares: &[&Share]) -> Zeroizing<[u8; SEAL_KEY_LEN]> {
    let mut unsealer = Unsealer::new(set, threshold);
    for (i, share) in shares.iter().enumerate() {
        let progress = unsealer.add(share.as_str()).unwrap();
        assert_eq!(
            progress,
            Progress {
                have: i as u8 + 1,
                need: threshold
            }
        );
    }
    unsealer.combine().unwrap()
}

#[test]
fn split_enforces_vaults_parameter_rules() {
    let key = random_key();
    for (n, k) in [
        (0, 0),
        (0, 1),
        (1, 0),
        (3, 0),
        (2, 1),
        (255, 1),
        (2, 3),
        (3, 255),
    ] {
        let err = split(&key, n, k).unwrap_err();
        assert!(
            matches!(err, SealError::ShareParameters(_)),
            "{n}/{k}: {err}"
        );
    }
    for (n, k) in [(1, 1), (2, 2), (5, 3), (255, 2)] {
        let (_, shares) = split(&key, n, k).unwrap();
        assert_eq!(shares.len(), usize::from(n));
    }
}

#[test]
fn every_k_subset_of_n_shares_reconstructs_the_secret() {
    for (n, k) in [(1u8, 1u8), (2, 2), (3, 2), (3, 3), (5, 3), (6, 4)] {
        let key = random_key();
        let (set, shares) = split(&key, n, k).unwrap();
        let mut subsets = 0;
        for mask in 0u32..(1 << n) {
            if mask.count_ones() != u32::from(k) {
                continue;
            }
            let mut chosen: Vec<&Share> = (0..usize::from(n))
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| &shares[i])
                .collect();
            assert_eq!(*unseal(set, k, &chosen), *key, "{n}/{k} mask {mask:b}");
            chosen.reverse();
            assert_eq!(
                *unseal(set, k, &chosen),
                *key,
                "{n}/{k} mask {mask:b} reversed"
            );
            subsets += 1;
        }
        assert!(subsets >= 1);
    }
}

/// One random k-subset for every valid 1 <= k <= n <= 16, `secrets` times.
fn random_subsets_reconstruct(secrets: usize) {
    for n in 1u8..=16 {
        for k in (if n == 1 { 1 } else { 2 })..=n {
            for _ in 0..secrets {
                let key = random_key();
                let (set, shares) = split(&key, n, k).unwrap();
                // A random order of the shares; take the first k.
                let mut order: Vec<(u8, usize)> = random_bytes::<16>()
                    .iter()
                    .take(n.into())
                    .copied()
                    .zip(0..)
                    .collect();
                order.sort_unstable();
                let chosen: Vec<&Share> =
                    order[..k.into()].iter().map(|&(_, i)| &shares[i]).collect();
                assert_eq!(*unseal(set, k, &chosen), *key, "{n}/{k}");
            }
        }
    }
}

#[test]
fn random_subsets_reconstruct_for_all_sizes_up_to_16() {
    random_subsets_reconstruct(2);
}

/// security.md T8, nightly size: 1,000 random secrets per (n, k).
#[test]
#[ignore = "nightly: cargo test -p tresor-server -- --ignored shamir"]
fn random_subsets_reconstruct_nightly() {
    random_subsets_reconstruct(1000);
}

#[test]
fn fewer_than_threshold_shares_do_not_combine() {
    let key = random_key();
    let (set, shares) = split(&key, 5, 3).unwrap();
    let mut unsealer = Unsealer::new(set, 3);
    assert!(matches!(
        unsealer.combine(),
        Err(SealError::NotEnoughShares { have: 0, need: 3 })
    ));
    unsealer.add(shares[4].as_str()).unwrap();
    unsealer.add(shares[1].as_str()).unwrap();
    let err = unsealer.combine().unwrap_err();
    assert!(matches!(
        err,
        SealError::NotEnoughShares { have: 2, need: 3 }
    ));
    assert_eq!(err.to_string(), "2 of 3 shares entered; 1 more needed");
    // blahaj itself refuses too, whatever its threshold is told.
    let points: Vec<blahaj::Share> = shares[..2]
        .iter()
        .map(|s| {
            let p = parse(s.as_str()).unwrap();
            let mut bytes = vec![p.index];
            bytes.extend_from_slice(&*p.payload);
            blahaj::Share::try_from(&bytes[..]).unwrap()
        })
        .collect();
    assert!(Sharks(3).recover(&points).is_err());
}

#[test]
fn a_share_of_another_split_gives_a_wrong_key_that_aead_rejects() {
    let key = random_key();
    let root = random_key();
    let aad = b"tresor/test/root-key-wrap";
    let wrapped = aead::seal(&aead::key(&*key), aad, &*root);

    let set = ShareSetId::from_bytes([7, 7, 7, 7]);
    let shares = split_for_set(&key, 5, 3, set).unwrap();
    let other = split_for_set(&random_key(), 5, 3, set).unwrap();
    // Shares 1 and 2 of the right split, share 3 of the other one.
    let wrong = unseal(set, 3, &[&shares[0], &shares[1], &other[2]]);
    assert_ne!(*wrong, *key);
    assert!(aead::open(&aead::key(&*wrong), aad, &wrapped).is_err());

    let right = unseal(set, 3, &[&shares[0], &shares[1], &shares[2]]);
    assert_eq!(
        *aead::open(&aead::key(&*right), aad, &wrapped).unwrap(),
        *root
    );
}

#[test]
fn a_flipped_payload_byte_with_a_fresh_checksum_gives_a_wrong_key() {
    let key = random_key();
    let root = random_key();
    let wrapped = aead::seal(&aead::key(&*key), b"", &*root);
    let (set, shares) = split(&key, 3, 2).unwrap();
    for byte in [0, 17, 31] {
        let mut parsed = parse(shares[1].as_str()).unwrap();
        parsed.payload[byte] ^= 0x01;
        let forged = encode(parsed.set, parsed.index, parsed.threshold, &parsed.payload);
        let wrong = unseal(set, 2, &[&shares[0], &forged]);
        assert_ne!(*wrong, *key);
        assert!(aead::open(&aead::key(&*wrong), b"", &wrapped).is_err());
    }
}

/// A deterministic share: with one share the payload is the key itself.
fn fixed_share() -> Share {
    let key: [u8; SEAL_KEY_LEN] = std::array::from_fn(|i| (i * 37 + 11) as u8);
    let mut shares = split_for_set(&key, 1, 1, ShareSetId([0xde, 0xad, 0xbe, 0xef])).unwrap();
    shares.pop().unwrap()
}

#[test]
fn share_text_has_the_documented_shape() {
    let share = fixed_share();
    let text = share.as_str();
    assert_eq!(text.len(), SHARE_TEXT_LEN);
    assert_eq!(SHARE_TEXT_LEN, 104);
    assert!(text.starts_with("tresor-share-v1-deadbeef-01-01-0b30557a"));
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    );
    assert_eq!(text.matches('-').count(), 7);

    let (set, shares) = split(&random_key(), 4, 3).unwrap();
    for (i, share) in shares.iter().enumerate() {
        let parsed = parse(share.as_str()).unwrap();
        assert_eq!(
            (parsed.set, parsed.index, parsed.threshold),
            (set, i as u8 + 1, 3)
        );
        assert!(share.as_str().contains(&set.to_string()));
    }
    assert_eq!(set.to_string().parse::<ShareSetId>().unwrap(), set);
    assert!("xyz".parse::<ShareSetId>().is_err());
}

#[test]
fn operators_input_is_accepted_in_either_case_with_surrounding_whitespace() {
    let key = random_key();
    let (set, shares) = split(&key, 2, 2).unwrap();
    let mut unsealer = Unsealer::new(set, 2);
    unsealer
        .add(&format!("  {}\n", shares[0].as_str().to_uppercase()))
        .unwrap();
    unsealer
        .add(&format!("\t{}\r\n", shares[1].as_str()))
        .unwrap();
    assert_eq!(*unsealer.combine().unwrap(), *key);
}

#[test]
fn every_single_character_typo_and_swap_is_caught() {
    let share = fixed_share();
    let text = share.as_str();
    assert!(parse(text).is_ok());
    let alphabet = b"0123456789abcdef-";
    for at in 0..text.len() {
        for &c in alphabet {
            if text.as_bytes()[at] == c {
                continue;
            }
            let mut typo = text.as_bytes().to_vec();
            typo[at] = c;
            let typo = String::from_utf8(typo).unwrap();
            assert!(parse(&typo).is_err(), "substitution at {at} accepted");
        }
        if at + 1 < text.len() && text.as_bytes()[at] != text.as_bytes()[at + 1] {
            let mut swap = text.as_bytes().to_vec();
            swap.swap(at, at + 1);
            let swap = String::from_utf8(swap).unwrap();
            assert!(parse(&swap).is_err(), "swap at {at} accepted");
        }
    }
}

#[test]
fn malformed_shares_are_rejected_without_echoing_them() {
    let share = fixed_share();
    let text = share.as_str();
    let cases = [
        String::new(),
        "hello".to_string(),
        text.replacen("-v1-", "-v2-", 1),
        text.replacen("tresor-", "vault-", 1),
        text[..text.len() - 1].to_string(),
        format!("{text}0"),
        text.replacen('-', "_", 3),
        text.replacen('a', "é", 1),
        text.replacen('a', "g", 1),
        format!("{} {}", &text[..50], &text[51..]),
        // Index 0 is the secret's own point; a recomputed checksum is no help.
        encode(ShareSetId([1, 2, 3, 4]), 0, 1, &[0; SEAL_KEY_LEN])
            .as_str()
            .to_string(),
    ];
    for case in &cases {
        let err = parse(case)
            .err()
            .unwrap_or_else(|| panic!("accepted: {case}"));
        assert!(
            matches!(err, SealError::MalformedShare(_) | SealError::ShareChecksum),
            "{err}"
        );
        assert_no_material(&err.to_string(), std::slice::from_ref(&share));
        assert_no_material(&format!("{err:?}"), std::slice::from_ref(&share));
    }
}

#[test]
fn other_set_other_threshold_duplicate_and_surplus_shares_are_rejected() {
    let (set, shares) = split(&random_key(), 3, 2).unwrap();
    let (other_set, others) = split(&random_key(), 3, 2).unwrap();
    let forced = split_for_set(&random_key(), 3, 3, set).unwrap();
    let mut all: Vec<Share> = Vec::new();
    let mut unsealer = Unsealer::new(set, 2);
    unsealer.add(shares[0].as_str()).unwrap();

    let mut errors = Vec::new();
    let err = unsealer.add(others[1].as_str()).unwrap_err();
    assert!(
        matches!(err, SealError::OtherShareSet { got, expected } if got == other_set && expected == set)
    );
    errors.push(err);
    let err = unsealer.add(forced[1].as_str()).unwrap_err();
    assert!(matches!(
        err,
        SealError::ThresholdMismatch {
            got: 3,
            expected: 2
        }
    ));
    errors.push(err);
    let err = unsealer.add(shares[0].as_str()).unwrap_err();
    assert!(matches!(err, SealError::DuplicateShare));
    errors.push(err);
    assert_eq!(unsealer.progress(), Progress { have: 1, need: 2 });

    assert!(unsealer.add(shares[2].as_str()).unwrap().is_complete());
    let err = unsealer.add(shares[1].as_str()).unwrap_err();
    assert!(matches!(err, SealError::EnoughShares { need: 2 }));
    errors.push(err);

    all.extend(shares);
    all.extend(others);
    all.extend(forced);
    for err in &errors {
        assert_no_material(&err.to_string(), &all);
    }
}

#[test]
fn reset_forgets_the_shares() {
    let key = random_key();
    let (set, shares) = split(&key, 3, 2).unwrap();
    let mut unsealer = Unsealer::new(set, 2);
    unsealer.add(shares[0].as_str()).unwrap();
    unsealer.reset();
    assert_eq!(unsealer.progress(), Progress { have: 0, need: 2 });
    unsealer.add(shares[0].as_str()).unwrap();
    unsealer.add(shares[1].as_str()).unwrap();
    assert_eq!(*unsealer.combine().unwrap(), *key);
}

#[test]
fn debug_output_is_redacted() {
    let (set, shares) = split(&random_key(), 2, 2).unwrap();
    let mut unsealer = Unsealer::new(set, 2);
    unsealer.add(shares[0].as_str()).unwrap();
    let debug = format!("{:?} {:?}", shares, unsealer);
    assert!(debug.contains("Share(<redacted>)"), "{debug}");
    assert_no_material(&debug, &shares);
}

/// One share says nothing about the secret: over many splits of a fixed
/// secret, a share's payload bytes are uniform. With threshold 2 the
/// RUSTSEC-2024-0398 bug (coefficients never 0) made f(x) = s impossible,
/// which the `seen_secret_value` check would catch with certainty.
#[test]
fn one_share_is_uniform_whatever_the_secret() {
    const SPLITS: usize = 2000;
    let samples = (SPLITS * SEAL_KEY_LEN) as f64;
    for threshold in [2u8, 3] {
        for fill in [0x00u8, 0xff, 0x5a] {
            let key = [fill; SEAL_KEY_LEN];
            let mut counts = [0u32; 256];
            for _ in 0..SPLITS {
                let (_, shares) = split(&key, threshold, threshold).unwrap();
                let parsed = parse(shares[0].as_str()).unwrap();
                for &b in parsed.payload.iter() {
                    counts[usize::from(b)] += 1;
                }
            }
            let expected = samples / 256.0;
            let chi2: f64 = counts
                .iter()
                .map(|&c| (f64::from(c) - expected).powi(2) / expected)
                .sum();
            // 255 degrees of freedom: mean 255, sd ~22.6. 480 is ten sd
            // out, so this never fails by chance.
            assert!(chi2 < 480.0, "k={threshold} s={fill:#x}: chi2 {chi2}");
            assert!(
                counts[usize::from(fill)] > 0,
                "k={threshold}: f(1) never equals s"
            );
        }
    }
}

#[test]
fn constant_time_hex_matches_the_hex_crate() {
    for b in 0..=255u8 {
        let text = [ct_hex_digit(b >> 4), ct_hex_digit(b & 0x0f)];
        assert_eq!(text, *hex::encode([b]).as_bytes());
        let mut out = [0u8];
        assert!(ct_hex_decode(&text, &mut out));
        assert_eq!(out[0], b);
    }
    for bad in [
        *b"0g", *b"/0", *b"0:", *b"`0", *b"0@", *b"A0", *b"F0", *b"0G",
    ] {
        assert!(!ct_hex_decode(&bad, &mut [0u8]), "{bad:?}");
    }
}

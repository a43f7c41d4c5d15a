//! Tests against SoftHSM2 (Debian package `softhsm2`).
//!
//! `softhsm_scenarios` makes a private token directory with two tokens, then
//! runs `softhsm_child` twice in child processes with `SOFTHSM2_CONF`
//! pointing at it: phase 1 runs every scenario and leaves a wrapped key
//! behind, phase 2 (a fresh process, so nothing is cached) unwraps it. A
//! child process is needed because the module reads `SOFTHSM2_CONF` when it
//! is initialised, once per process, and tests cannot set variables in
//! their own process. Without the module the test is skipped with a notice,
//! unless `TRESOR_REQUIRE_SOFTHSM=1`.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use cryptoki::object::AttributeType;

use super::*;
use crate::kms::seal::test_child;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN_A: &str = "tresor-test-a";
const TOKEN_B: &str = "tresor-test-b";
const PIN_A: &str = "pin-a-1234";
const PIN_B: &str = "pin-b-5678";
const KEY_LABEL: &str = "tresor-seal";
const DIR_VAR: &str = "TRESOR_TEST_HSM_DIR";
const PHASE_VAR: &str = "TRESOR_TEST_HSM_PHASE";

fn config(token: &str, pin: &str) -> Pkcs11Config {
    Pkcs11Config {
        module: MODULE.into(),
        token_label: token.to_string(),
        pin: Zeroizing::new(pin.to_string()),
        key_label: KEY_LABEL.to_string(),
    }
}

fn init_token(conf: &Path, label: &str, pin: &str) {
    let out = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", label])
        .args(["--pin", pin, "--so-pin", "so-pin-0000"])
        .env("SOFTHSM2_CONF", conf)
        .output()
        .expect("softhsm2-util runs");
    assert!(
        out.status.success(),
        "softhsm2-util --init-token failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn softhsm_scenarios() {
    let required = std::env::var("TRESOR_REQUIRE_SOFTHSM").is_ok_and(|v| v == "1");
    let util = Command::new("softhsm2-util").arg("--version").output();
    if !Path::new(MODULE).exists() || util.is_err() {
        assert!(
            !required,
            "TRESOR_REQUIRE_SOFTHSM=1 but SoftHSM2 is not installed \
             ({MODULE} or softhsm2-util missing): apt-get install -y softhsm2"
        );
        eprintln!("NOTICE: skipping the PKCS#11 seal tests: SoftHSM2 is not installed ({MODULE})");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    fs::create_dir(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    init_token(&conf, TOKEN_A, PIN_A);
    init_token(&conf, TOKEN_B, PIN_B);
    for phase in ["1", "2"] {
        let envs: [(&str, &OsStr); 3] = [
            ("SOFTHSM2_CONF", conf.as_os_str()),
            (DIR_VAR, dir.path().as_os_str()),
            (PHASE_VAR, phase.as_ref()),
        ];
        test_child::run("kms::seal::pkcs11::tests::softhsm_child", &envs);
    }
}

#[test]
#[ignore = "run by softhsm_scenarios in a child process"]
fn softhsm_child() {
    if !test_child::is_child() {
        return;
    }
    let dir = std::path::PathBuf::from(std::env::var_os(DIR_VAR).unwrap());
    match std::env::var(PHASE_VAR).unwrap().as_str() {
        "1" => phase_one(&dir),
        _ => phase_two(&dir),
    }
}

fn phase_one(dir: &Path) {
    // Before anything logs in: a wrong PIN must be refused by the token.
    let err = Pkcs11Seal::open(&config(TOKEN_A, "wrong-pin")).unwrap_err();
    assert!(matches!(err, SealError::PinIncorrect { .. }), "{err}");
    assert!(!err.to_string().contains("wrong-pin"), "{err}");

    let err = Pkcs11Seal::open(&config("no-such-token", PIN_A)).unwrap_err();
    assert!(matches!(err, SealError::TokenNotFound { .. }), "{err}");
    assert!(
        err.to_string().contains(TOKEN_A),
        "lists the tokens present: {err}"
    );

    let mut bad_module = config(TOKEN_A, PIN_A);
    bad_module.module = dir.join("no-such-module.so");
    let err = Pkcs11Seal::open(&bad_module).unwrap_err();
    assert!(matches!(err, SealError::Pkcs11Module { .. }), "{err}");

    let seal = Pkcs11Seal::open(&config(TOKEN_A, PIN_A)).unwrap();
    let debug = format!("{seal:?} {:?}", config(TOKEN_A, PIN_A));
    assert!(!debug.contains(PIN_A), "{debug}");

    let secret = crate::kms::seal::generate_key();
    let err = seal.wrap(&secret).unwrap_err();
    assert!(matches!(err, SealError::HsmKeyNotFound { .. }), "{err}");
    assert!(seal.ensure_key().unwrap(), "creates the key");
    assert!(!seal.ensure_key().unwrap(), "then finds it");
    key_is_locked_down(&seal);

    // A second seal on a token this process is logged in to is refused,
    // since its PIN could not be checked.
    let err = Pkcs11Seal::open(&config(TOKEN_A, "wrong-pin")).unwrap_err();
    assert!(matches!(err, SealError::AlreadyLoggedIn { .. }), "{err}");

    let wrapped = seal.wrap(&secret).unwrap();
    assert_eq!(wrapped.len(), WRAPPED_LEN);
    assert_eq!(wrapped[0], VERSION);
    assert_ne!(wrapped, seal.wrap(&secret).unwrap(), "fresh IV per wrap");
    assert_eq!(*seal.unwrap(&wrapped).unwrap(), *secret);

    for at in 0..wrapped.len() {
        for bit in [0x01u8, 0x80] {
            let mut tampered = wrapped.clone();
            tampered[at] ^= bit;
            let err = seal.unwrap(&tampered).unwrap_err();
            let expected = if at == 0 {
                matches!(err, SealError::WrappedMalformed)
            } else {
                matches!(err, SealError::WrappedRejected)
            };
            assert!(expected, "byte {at} bit {bit:#x}: {err}");
        }
    }
    for len in [0, 1, WRAPPED_LEN - 1, WRAPPED_LEN + 1] {
        let mut resized = wrapped.clone();
        resized.resize(len, 0);
        assert!(matches!(
            seal.unwrap(&resized),
            Err(SealError::WrappedMalformed)
        ));
    }
    // Failed decryptions leave the session usable.
    assert_eq!(*seal.unwrap(&wrapped).unwrap(), *secret);

    // Another token's key with the same label cannot unwrap it.
    let other = Pkcs11Seal::open(&config(TOKEN_B, PIN_B)).unwrap();
    assert!(other.ensure_key().unwrap());
    assert!(matches!(
        other.unwrap(&wrapped),
        Err(SealError::WrappedRejected)
    ));
    drop(other);

    shared_between_threads(seal, &secret);

    // Closing the last session logged out; the token can be opened again.
    let again = Pkcs11Seal::open(&config(TOKEN_A, PIN_A)).unwrap();
    assert_eq!(*again.unwrap(&wrapped).unwrap(), *secret);
    fs::write(dir.join("wrapped"), &wrapped).unwrap();
    fs::write(dir.join("expected"), &secret[..]).unwrap();
}

fn key_is_locked_down(seal: &Pkcs11Seal) {
    let session = seal.session();
    let key = seal.key(&session).unwrap();
    let attributes = session
        .get_attributes(
            key,
            &[
                AttributeType::Token,
                AttributeType::Sensitive,
                AttributeType::Extractable,
                AttributeType::Private,
                AttributeType::ValueLen,
            ],
        )
        .unwrap();
    for attribute in attributes {
        match attribute {
            Attribute::Token(b) | Attribute::Sensitive(b) | Attribute::Private(b) => assert!(b),
            Attribute::Extractable(b) => assert!(!b),
            Attribute::ValueLen(len) => assert_eq!(len, ulong(SEAL_KEY_LEN)),
            other => panic!("unexpected attribute {other:?}"),
        }
    }
}

fn shared_between_threads(seal: Pkcs11Seal, secret: &[u8; SEAL_KEY_LEN]) {
    let seal = Arc::new(seal);
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let seal = Arc::clone(&seal);
            let secret = *secret;
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let wrapped = seal.wrap(&secret).unwrap();
                    assert_eq!(*seal.unwrap(&wrapped).unwrap(), secret);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

fn phase_two(dir: &Path) {
    let wrapped = fs::read(dir.join("wrapped")).unwrap();
    let expected = fs::read(dir.join("expected")).unwrap();
    let seal = Pkcs11Seal::open(&config(TOKEN_A, PIN_A)).unwrap();
    assert!(
        !seal.ensure_key().unwrap(),
        "the key persisted on the token"
    );
    assert_eq!(&seal.unwrap(&wrapped).unwrap()[..], &expected[..]);
}

use std::collections::HashMap;

use super::*;

fn key_id(c: &ClientConfig) -> &str {
    &c.credentials.as_ref().unwrap().access_key_id
}

struct FakeEnv(HashMap<&'static str, String>);

impl Env for FakeEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

/// A home with AWS files, and an environment pointing at it.
fn setup(
    credentials: &str,
    config: &str,
    vars: &[(&'static str, &str)],
) -> (tempfile::TempDir, FakeEnv) {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".aws/credentials"), credentials).unwrap();
    std::fs::write(home.path().join(".aws/config"), config).unwrap();
    let mut env: HashMap<&'static str, String> =
        vars.iter().map(|(k, v)| (*k, v.to_string())).collect();
    env.insert("HOME", home.path().display().to_string());
    (home, FakeEnv(env))
}

const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret

# a comment
[dev]
aws_access_key_id=AKIADEV
aws_secret_access_key=dev-secret
aws_session_token = dev-token
";

const CONFIG: &str = "\
[default]
region = eu-west-1
endpoint_url = http://127.0.0.1:8737

[profile dev]
region = eu-central-1
endpoint_url = https://tresor.dev.example:8737
s3 =
  max_concurrent_requests = 10

[profile config-only]
aws_access_key_id = AKIACONFIG
aws_secret_access_key = config-secret
";

#[test]
fn the_default_profile_is_read_from_both_files() {
    let (_home, env) = setup(CREDENTIALS, CONFIG, &[]);
    let c = ClientConfig::resolve(&ConnectionFlags::default(), &env).unwrap();
    let k = c.credentials.as_ref().unwrap();
    assert_eq!(k.access_key_id, "AKIADEFAULT");
    assert_eq!(&*k.secret_access_key, "default-secret");
    assert_eq!(c.region, "eu-west-1");
    assert_eq!(c.endpoint_url, "http://127.0.0.1:8737");
    assert!(k.session_token.is_none());
}

#[test]
fn environment_keys_win_over_the_default_profile_but_not_over_profile_flag() {
    let vars = [
        ("AWS_ACCESS_KEY_ID", "AKIAENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ("AWS_REGION", "us-west-2"),
        ("AWS_ENDPOINT_URL", "http://env:1"),
    ];
    let (_home, env) = setup(CREDENTIALS, CONFIG, &vars);
    let c = ClientConfig::resolve(&ConnectionFlags::default(), &env).unwrap();
    assert_eq!(key_id(&c), "AKIAENV");
    assert_eq!(c.region, "us-west-2");
    assert_eq!(c.endpoint_url, "http://env:1");
    let flags = ConnectionFlags {
        profile: Some("dev".into()),
        ..Default::default()
    };
    let c = ClientConfig::resolve(&flags, &env).unwrap();
    assert_eq!(key_id(&c), "AKIADEV");
    let token = c.credentials.as_ref().unwrap().session_token.as_deref();
    assert_eq!(token.map(|t| t.as_str()), Some("dev-token"));
    // The environment still chooses region and endpoint over the profile.
    assert_eq!(c.region, "us-west-2");
}

#[test]
fn aws_profile_and_flags_choose() {
    let (_home, env) = setup(CREDENTIALS, CONFIG, &[("AWS_PROFILE", "dev")]);
    let c = ClientConfig::resolve(&ConnectionFlags::default(), &env).unwrap();
    assert_eq!(key_id(&c), "AKIADEV");
    assert_eq!(c.region, "eu-central-1");
    assert_eq!(c.endpoint_url, "https://tresor.dev.example:8737");
    let flags = ConnectionFlags {
        profile: Some("config-only".into()),
        region: Some("ap-south-1".into()),
        endpoint_url: Some("http://flag:2".into()),
    };
    let c = ClientConfig::resolve(&flags, &env).unwrap();
    assert_eq!(key_id(&c), "AKIACONFIG");
    assert_eq!(
        (c.region.as_str(), c.endpoint_url.as_str()),
        ("ap-south-1", "http://flag:2")
    );
}

#[test]
fn missing_pieces_are_named() {
    let (_home, env) = setup("", "", &[("AWS_ENDPOINT_URL", "http://x")]);
    let c = ClientConfig::resolve(&ConnectionFlags::default(), &env).unwrap();
    let err = c.credentials.unwrap_err();
    assert!(err.contains("no credentials"), "{err}");
    let flags = ConnectionFlags {
        profile: Some("nope".into()),
        ..Default::default()
    };
    let err = ClientConfig::resolve(&flags, &env).unwrap_err();
    assert!(err.to_string().contains("\"nope\""), "{err}");
    let (_home, env) = setup(CREDENTIALS, "", &[]);
    let err = ClientConfig::resolve(&ConnectionFlags::default(), &env).unwrap_err();
    assert!(err.to_string().contains("no endpoint"), "{err}");
    assert!(
        !format!(
            "{:?}",
            ClientConfig::resolve(
                &ConnectionFlags {
                    endpoint_url: Some("http://x".into()),
                    ..Default::default()
                },
                &env
            )
            .unwrap()
        )
        .contains("default-secret")
    );
}

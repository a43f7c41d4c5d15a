//! Random awsJson and awsQuery requests for the differential and round-trip
//! tests, from a seeded PRNG so that every failure names a case that can be
//! replayed. awsQuery requests (IAM, STS) have a form body and no
//! X-Amz-Target.

use http::request::Parts;

/// SplitMix64: tiny, fast, good enough to spread test inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn string(&mut self, alphabet: &[u8], min: usize, max: usize) -> String {
        let len = min + self.below((max - min + 1) as u64) as usize;
        (0..len).map(|_| char::from(*self.pick(alphabet))).collect()
    }

    /// A header value: visible ASCII with runs of spaces, sometimes leading
    /// or trailing ones, which canonicalisation must trim and collapse.
    pub fn header_value(&mut self) -> String {
        let mut out = String::new();
        for _ in 0..1 + self.below(4) {
            out.push_str(&" ".repeat(self.below(4) as usize));
            out.push_str(&self.string(VISIBLE, 1, 12));
        }
        out.push_str(&" ".repeat(self.below(3) as usize));
        out
    }
}

const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &[u8] = b"0123456789abcdef";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const VISIBLE: &[u8] = b"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

pub const OPERATIONS: &[&str] = &[
    "GetSecretValue",
    "PutSecretValue",
    "CreateSecret",
    "DeleteSecret",
    "DescribeSecret",
    "ListSecrets",
    "RotateSecret",
    "BatchGetSecretValue",
];

/// Everything that varies between generated requests.
pub struct Case {
    pub seed: u64,
    pub access_key_id: String,
    pub secret: String,
    pub token: Option<String>,
    pub region: String,
    pub service: String,
    pub time: i64,
    pub host: String,
    /// `None` for an awsQuery request.
    pub target: Option<String>,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// Extra headers, in order; a name may repeat.
    pub extra: Vec<(String, String)>,
    /// Whether the signer should add `x-amz-content-sha256`.
    pub content_sha256: bool,
}

impl Case {
    pub fn random(seed: u64) -> Case {
        let mut r = Rng::new(seed);
        let token = r
            .chance(50)
            .then(|| r.string(BASE64, 16, 400) + if r.chance(50) { "==" } else { "" });
        let access_key_id = format!(
            "{}{}",
            if token.is_some() { "ASIA" } else { "AKIA" },
            r.string(UPPER_DIGITS, 16, 16)
        );
        let region = if r.chance(70) {
            r.pick(&["us-east-1", "eu-west-3", "ap-southeast-2", "local"])
                .to_string()
        } else {
            format!(
                "{}-{}-{}",
                r.string(LOWER, 2, 2),
                r.string(LOWER, 3, 9),
                r.below(9)
            )
        };
        let query = r.chance(30);
        let service = if query {
            r.pick(&["iam", "sts"]).to_string()
        } else {
            r.pick(&["secretsmanager", "secretsmanager", "sts", "kms"])
                .to_string()
        };
        // 2000-01-01 .. 2099-12-31.
        let time = 946_684_800 + r.below(4_102_444_800 - 946_684_800) as i64;
        let host = r
            .pick(&[
                "secretsmanager.us-east-1.amazonaws.com",
                "127.0.0.1:8443",
                "localhost",
                "[::1]:9000",
                "tresor.internal.example:443",
            ])
            .to_string();
        let target = (!query).then(|| format!("secretsmanager.{}", r.pick(OPERATIONS)));
        let content_type = if query {
            "application/x-www-form-urlencoded; charset=utf-8"
        } else {
            "application/x-amz-json-1.1"
        };
        let body = if query && r.chance(70) {
            // As botocore encodes a form: `+` for space, %XX otherwise.
            format!(
                "Action={}&Version=2010-05-08&UserName={}&Tags.member.1.Key={}&Tags.member.1.Value={}",
                r.pick(&["CreateUser", "GetCallerIdentity", "TagUser"]),
                r.string(LOWER, 1, 20),
                r.string(LOWER, 1, 8),
                r.string(b"abc+%20%2F%E2%82%AC", 0, 12)
            )
            .into_bytes()
        } else if r.chance(50) {
            format!(
                r#"{{"SecretId":"{}","ClientRequestToken":"{}"}}"#,
                r.string(LOWER, 1, 40),
                r.string(HEX, 32, 32)
            )
            .into_bytes()
        } else {
            (0..r.below(600)).map(|_| r.next() as u8).collect()
        };
        let mut extra = Vec::new();
        for _ in 0..r.below(5) {
            match r.below(8) {
                0 => extra.push((
                    "x-amz-user-agent".to_owned(),
                    "aws-sdk-rust/1.3.9 api/secretsmanager/1.125.0 os/linux lang/rust/1.95.0"
                        .to_owned(),
                )),
                1 => extra.push((
                    format!("x-amz-meta-{}", r.string(LOWER, 1, 8)),
                    r.header_value(),
                )),
                2 => {
                    // The same name twice: joined with ',' in arrival order.
                    let v1 = r.header_value();
                    let v2 = r.header_value();
                    extra.push(("x-amz-meta-twice".to_owned(), v1));
                    extra.push(("x-amz-meta-twice".to_owned(), v2));
                }
                3 => extra.push(("amz-sdk-invocation-id".to_owned(), r.string(HEX, 36, 36))),
                4 => extra.push(("amz-sdk-request".to_owned(), "attempt=1; max=3".to_owned())),
                5 => extra.push(("user-agent".to_owned(), r.header_value())),
                6 => extra.push((
                    "x-amzn-trace-id".to_owned(),
                    format!("Root=1-{}", r.string(HEX, 8, 24)),
                )),
                _ => extra.push(("content-length".to_owned(), body.len().to_string())),
            }
        }
        // Names must be unique apart from the deliberate repeat.
        let mut seen = std::collections::HashSet::new();
        extra.retain(|(n, _)| n == "x-amz-meta-twice" || seen.insert(n.clone()));
        Case {
            seed,
            access_key_id,
            secret: r.string(BASE64, 40, 40),
            token,
            region,
            service,
            time,
            host,
            target,
            content_type,
            body,
            extra,
            content_sha256: r.chance(25),
        }
    }

    /// The unsigned request: `POST /` with the protocol's headers and extras.
    pub fn request(&self) -> http::Request<Vec<u8>> {
        let mut b = http::Request::post("/")
            .header("host", &self.host)
            .header("content-type", self.content_type);
        if let Some(target) = &self.target {
            b = b.header("x-amz-target", target);
        }
        for (name, value) in &self.extra {
            b = b.header(name, value);
        }
        b.body(self.body.clone()).unwrap()
    }
}

/// `Parts` is not `Clone` (extensions); the tests need copies to mutate.
pub fn copy(parts: &Parts) -> Parts {
    let mut out = http::Request::builder()
        .method(parts.method.clone())
        .uri(parts.uri.clone())
        .body(())
        .unwrap()
        .into_parts()
        .0;
    out.headers = parts.headers.clone();
    out
}

/// The server's flow for one request: inspect → clock (±5 min) → key →
/// verify. The key is derived from the presented scope, as the server does
/// after looking the access key up.
pub fn authenticate(
    parts: &Parts,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<tresor_wire::sigv4::Presented, tresor_wire::AwsError> {
    use tresor_wire::sigv4::{check_clock, inspect, signing_key, verify};
    let presented = inspect(parts, body)?;
    check_clock(&presented.amz_date, now, 300)?;
    let key = signing_key(
        secret.as_bytes(),
        &presented.credential.date,
        &presented.credential.region,
        &presented.credential.service,
    );
    verify(&presented, parts, body, &key)?;
    Ok(presented)
}

/// Panics if an error message repeats something secret or the header.
pub fn assert_no_leak(message: &str, parts: &Parts, secret: &str, token: Option<&str>) {
    assert!(!message.contains(secret), "secret in: {message}");
    if let Some(token) = token {
        assert!(!message.contains(token), "token in: {message}");
    }
    for auth in parts.headers.get_all("authorization") {
        let auth = auth.to_str().unwrap_or("");
        assert!(!message.contains(auth), "authorization in: {message}");
        if let Some((_, sig)) = auth.rsplit_once("Signature=") {
            assert!(
                sig.len() < 16 || !message.contains(sig),
                "signature in: {message}"
            );
        }
    }
}

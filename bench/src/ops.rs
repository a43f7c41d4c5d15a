//! The requests a load sends: which operation, on which secret, signed.

use bytes::Bytes;
use http_body_util::Full;
use serde_json::json;

use crate::client::Target;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Op {
    /// GetSecretValue of a random seeded secret.
    Get,
    /// 90 % GetSecretValue, 5 % PutSecretValue, 2.5 % DescribeSecret, 2.5 % ListSecrets.
    Mixed,
    /// CreateSecret of a new secret (durable write).
    Create,
    /// PutSecretValue on a random seeded secret (durable write).
    Put,
    /// ListSecrets filtered to one name prefix (about 100 secrets per 100,000).
    List,
    /// BatchGetSecretValue filtered to one name prefix: the first page of 20 values.
    Batch,
    /// The agent's GET /secretsmanager/get?secretId=… (no SigV4; the SSRF token).
    Agent,
}

/// What every request of a load shares.
pub struct Plan {
    pub target: Target,
    pub authority: String,
    pub prefix: String,
    pub secrets: usize,
    pub token: Option<String>,
}

impl Plan {
    /// The plan for `target`, and the address to connect to.
    pub fn new(
        target: &Target,
        prefix: &str,
        secrets: usize,
        token: Option<String>,
    ) -> anyhow::Result<(Plan, std::net::SocketAddr)> {
        let (address, authority) = target.address()?;
        let plan = Plan {
            target: target.clone(),
            authority,
            prefix: prefix.to_string(),
            secrets,
            token,
        };
        Ok((plan, address))
    }

    /// The name of seeded secret `i`.
    pub fn name(&self, i: usize) -> String {
        format!("{}{i:06}", self.prefix)
    }

    fn random_name(&self, rng: &mut fastrand::Rng) -> String {
        self.name(rng.usize(..self.secrets.max(1)))
    }

    /// The next request of `op` for worker `worker`, its `n`th.
    pub fn request(
        &self,
        op: Op,
        rng: &mut fastrand::Rng,
        worker: usize,
        n: u64,
    ) -> http::Request<Full<Bytes>> {
        let (target, body) = match op {
            Op::Get => (
                "GetSecretValue",
                json!({ "SecretId": self.random_name(rng) }),
            ),
            Op::Put => put(self.random_name(rng), rng),
            Op::Create => (
                "CreateSecret",
                json!({
                    "Name": format!("{}new/{worker}-{n}-{:08x}", self.prefix, rng.u32(..)),
                    "SecretString": value(rng),
                    "ClientRequestToken": token(rng),
                }),
            ),
            Op::List => self.list(rng),
            Op::Batch => self.batch(rng),
            Op::Mixed => match rng.u32(..1000) {
                0..900 => (
                    "GetSecretValue",
                    json!({ "SecretId": self.random_name(rng) }),
                ),
                900..950 => put(self.random_name(rng), rng),
                950..975 => (
                    "DescribeSecret",
                    json!({ "SecretId": self.random_name(rng) }),
                ),
                _ => self.list(rng),
            },
            Op::Agent => return self.agent_request(rng),
        };
        self.signed(target, serde_json::to_vec(&body).expect("JSON serialises"))
    }

    fn list(&self, rng: &mut fastrand::Rng) -> (&'static str, serde_json::Value) {
        (
            "ListSecrets",
            json!({ "MaxResults": 100, "Filters": self.name_group(rng) }),
        )
    }

    fn batch(&self, rng: &mut fastrand::Rng) -> (&'static str, serde_json::Value) {
        (
            "BatchGetSecretValue",
            json!({ "MaxResults": 20, "Filters": self.name_group(rng) }),
        )
    }

    /// A name filter matching a random group of about 100 seeded secrets
    /// (names are <prefix><6 digits>: a 4-digit prefix picks 100 of them).
    fn name_group(&self, rng: &mut fastrand::Rng) -> serde_json::Value {
        let group = rng.usize(..(self.secrets / 100).max(1));
        json!([{ "Key": "name", "Values": [format!("{}{group:04}", self.prefix)] }])
    }

    fn agent_request(&self, rng: &mut fastrand::Rng) -> http::Request<Full<Bytes>> {
        let uri = format!(
            "http://{}/secretsmanager/get?secretId={}",
            self.authority,
            self.random_name(rng)
        );
        let mut request = http::Request::new(Full::new(Bytes::new()));
        *request.uri_mut() = uri.parse().expect("a valid URI");
        let headers = request.headers_mut();
        headers.insert(
            http::header::HOST,
            self.authority.parse().expect("a valid host"),
        );
        if let Some(token) = &self.token {
            headers.insert(
                "x-aws-parameters-secrets-token",
                token.parse().expect("a valid token"),
            );
        }
        request
    }

    /// An awsJson 1.1 Secrets Manager call, signed now.
    pub fn signed(&self, operation: &str, body: Vec<u8>) -> http::Request<Full<Bytes>> {
        let mut request = http::Request::new(Full::new(Bytes::new()));
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = format!("http://{}/", self.authority)
            .parse()
            .expect("a valid URI");
        let headers = request.headers_mut();
        headers.insert(
            http::header::HOST,
            self.authority.parse().expect("a valid host"),
        );
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        headers.insert(
            "x-amz-target",
            format!("secretsmanager.{operation}")
                .parse()
                .expect("a valid header"),
        );
        let (mut parts, _) = request.into_parts();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        tresor_wire::sigv4::sign_parts(
            &mut parts,
            &body,
            &tresor_wire::sigv4::SigningParams {
                access_key_id: &self.target.access_key_id,
                secret_access_key: &self.target.secret_access_key,
                session_token: None,
                region: &self.target.region,
                service: "secretsmanager",
                time: now,
            },
        )
        .expect("the bench's requests can be signed");
        http::Request::from_parts(parts, Full::new(Bytes::from(body)))
    }
}

fn put(name: String, rng: &mut fastrand::Rng) -> (&'static str, serde_json::Value) {
    (
        "PutSecretValue",
        json!({ "SecretId": name, "SecretString": value(rng), "ClientRequestToken": token(rng) }),
    )
}

/// A fresh `ClientRequestToken` (the SDKs fill one in; raw calls must).
pub fn token(rng: &mut fastrand::Rng) -> String {
    let (a, b) = (rng.u64(..), rng.u64(..));
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// A ~200-byte JSON secret value.
pub fn value(rng: &mut fastrand::Rng) -> String {
    let password: String = (0..32).map(|_| rng.alphanumeric()).collect();
    json!({
        "engine": "postgres",
        "host": "db-primary.internal.example.com",
        "port": 5432,
        "username": format!("app_{:04}", rng.u32(..10_000)),
        "password": password,
        "dbname": "orders",
    })
    .to_string()
}

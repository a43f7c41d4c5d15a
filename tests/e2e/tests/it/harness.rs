//! The test harness: an in-process Tresor on `127.0.0.1:0` over a fresh
//! data directory, SDK clients for any region against it, and helpers to
//! look at errors and labels the way the API reference talks about them.
//!
//! Every test starts its own `Harness`, so tests never see each other's
//! secrets. Dropping the harness stops the server.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::net::SocketAddr;
use std::path::Path;

use aws_credential_types::Credentials;
use aws_sdk_secretsmanager::config::retry::RetryConfig;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Region};
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::operation::RequestId;
use aws_sdk_secretsmanager::{Client, Config};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::raw::RawClient;

pub const ACCESS_KEY: &str = "AKIAE2ETESTKEY000000";
pub const SECRET_KEY: &str = "e2e-secret";
/// The region most tests work in.
pub const REGION: &str = "us-east-1";
/// A second region, for replication.
pub const REGION2: &str = "eu-west-1";

pub const NOT_FOUND: &str = "Secrets Manager can't find the specified secret.";
pub const MARKED_FOR_DELETION: &str =
    "You can't perform this operation on the secret because it was marked for deletion.";
pub const INVALID_NAME: &str = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!";
pub const TOKEN_REQUIRED: &str =
    "You must provide a ClientRequestToken value. We recommend a UUID-type value.";

type ServerTask = JoinHandle<Result<(), tresor_server::ServerError>>;

/// One running server over one data directory.
pub struct Harness {
    dir: tempfile::TempDir,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<ServerTask>,
}

fn config(dir: &Path) -> tresor_server::Config {
    let mut config = tresor_server::Config::new(dir);
    config.dev_credentials = Some(tresor_server::DevCredentials {
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: tresor_wire::dto::SecretString::new(SECRET_KEY.into()),
    });
    config
}

async fn spawn(dir: &Path) -> (SocketAddr, oneshot::Sender<()>, ServerTask) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(tresor_server::run(listener, config(dir), async move {
        let _ = stop_rx.await;
    }));
    (addr, stop_tx, task)
}

impl Harness {
    /// A server over a new, empty data directory.
    pub async fn start() -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let (addr, stop, task) = spawn(dir.path()).await;
        Harness {
            dir,
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server, waits until it has finished, and starts a new one
    /// on the same data directory (on a new port: make new clients).
    pub async fn restart(&mut self) {
        self.stop().await;
        let (addr, stop, task) = spawn(self.dir.path()).await;
        self.addr = addr;
        self.stop = Some(stop);
        self.task = Some(task);
    }

    async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task panicked")
                .expect("server stopped with an error");
        }
    }

    /// A client in `REGION` with the dev credentials.
    pub fn client(&self) -> Client {
        self.client_in(REGION)
    }

    pub fn client_in(&self, region: &str) -> Client {
        self.client_with(
            region,
            Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "e2e"),
        )
    }

    pub fn client_with(&self, region: &str, credentials: Credentials) -> Client {
        Client::from_conf(self.config_builder(region, credentials).build())
    }

    /// A client that does not retry: for errors SDKs treat as retryable
    /// (`LimitExceededException`), so a test sees the first answer.
    pub fn client_without_retries(&self) -> Client {
        let conf = self
            .config_builder(
                REGION,
                Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "e2e"),
            )
            .retry_config(RetryConfig::disabled())
            .build();
        Client::from_conf(conf)
    }

    fn config_builder(
        &self,
        region: &str,
        credentials: Credentials,
    ) -> aws_sdk_secretsmanager::config::Builder {
        Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(format!("http://{}", self.addr))
            .credentials_provider(credentials)
    }

    /// A hand-rolled HTTP client signing with `aws-sigv4` directly.
    pub fn raw(&self) -> RawClient {
        RawClient::new(self.addr, ACCESS_KEY, SECRET_KEY, REGION)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An error as the SDK surfaced it: what AWS's documentation talks about.
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: String,
    pub message: String,
    pub status: u16,
}

impl Failure {
    #[track_caller]
    pub fn assert(&self, code: &str, message: &str) {
        assert_eq!(
            (self.code.as_str(), self.message.as_str()),
            (code, message),
            "{self:?}"
        );
    }

    #[track_caller]
    pub fn assert_code(&self, code: &str) {
        assert_eq!(self.code, code, "{self:?}");
    }
}

/// Expects `result` to be a service error and describes it. Every client
/// error must be HTTP 400 (API reference §1, trap 1) and carry a request id.
#[track_caller]
pub fn fail<T: Debug, E>(result: Result<T, SdkError<E, HttpResponse>>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let error = match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    };
    let status = error
        .raw_response()
        .map(|r| r.status().as_u16())
        .unwrap_or_else(|| panic!("no HTTP response: {error:?}"));
    let SdkError::ServiceError(service) = &error else {
        panic!("not a service error: {error:?}");
    };
    let err = service.err();
    let failure = Failure {
        code: err.code().unwrap_or_default().to_string(),
        message: err.message().unwrap_or_default().to_string(),
        status,
    };
    assert!(
        error.request_id().is_some(),
        "error without x-amzn-RequestId: {failure:?}"
    );
    if failure.code != "InternalServiceError" {
        assert_eq!(
            failure.status, 400,
            "client errors are HTTP 400: {failure:?}"
        );
    }
    failure
}

/// Expects success, with the full error on failure.
#[track_caller]
pub fn ok<T, E: Debug>(result: Result<T, E>) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("expected success, got {e:?}"),
    }
}

/// A valid ClientRequestToken (36 chars) that is easy to read in failures:
/// `tok(3)` = `00000000-0000-4000-8000-000000000003`.
pub fn tok(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A set of labels, for order-insensitive comparison.
pub fn labels(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Version id → labels, from DescribeSecret's `VersionIdsToStages`.
pub async fn stage_map(client: &Client, secret: &str) -> BTreeMap<String, BTreeSet<String>> {
    let d = ok(client.describe_secret().secret_id(secret).send().await);
    d.version_ids_to_stages
        .unwrap_or_default()
        .into_iter()
        .map(|(v, s)| (v, s.into_iter().collect()))
        .collect()
}

/// Every version (deprecated ones too) → its labels, from
/// ListSecretVersionIds; a deprecated version maps to the empty set.
pub async fn all_versions(client: &Client, secret: &str) -> BTreeMap<String, BTreeSet<String>> {
    let out = ok(client
        .list_secret_version_ids()
        .secret_id(secret)
        .include_deprecated(true)
        .send()
        .await);
    out.versions
        .unwrap_or_default()
        .into_iter()
        .map(|v| {
            (
                v.version_id.expect("VersionId"),
                v.version_stages.unwrap_or_default().into_iter().collect(),
            )
        })
        .collect()
}

/// Creates `name` with a string value and first version `tok(1)`; returns
/// its ARN.
pub async fn create(client: &Client, name: &str, value: &str) -> String {
    ok(client
        .create_secret()
        .name(name)
        .secret_string(value)
        .client_request_token(tok(1))
        .send()
        .await)
    .arn
    .expect("ARN")
}

/// Puts `value` as version `token` with the default label.
pub async fn put(client: &Client, secret: &str, token: &str, value: &str) {
    ok(client
        .put_secret_value()
        .secret_id(secret)
        .secret_string(value)
        .client_request_token(token)
        .send()
        .await);
}

/// The AWSCURRENT string value.
pub async fn current(client: &Client, secret: &str) -> String {
    ok(client.get_secret_value().secret_id(secret).send().await)
        .secret_string
        .expect("SecretString")
}

/// Seconds since the epoch of an SDK timestamp.
pub fn secs(t: &aws_smithy_types::DateTime) -> i64 {
    t.secs()
}

/// Now, in epoch seconds, by this machine's clock.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// Whether `name-XXXXXX` ARN rules hold: `arn:aws:secretsmanager:<region>:
/// <12 digits>:secret:<name>-<6 alphanumerics>`.
pub fn assert_secret_arn(arn: &str, region: &str, name: &str) {
    let prefix = format!("arn:aws:secretsmanager:{region}:");
    let rest = arn
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{arn} does not start with {prefix}"));
    let (account, rest) = rest.split_once(':').expect("account");
    assert!(
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
        "account id in {arn}"
    );
    let tail = rest
        .strip_prefix(&format!("secret:{name}-"))
        .unwrap_or_else(|| panic!("{arn} does not name secret {name}"));
    assert!(
        tail.len() == 6 && tail.bytes().all(|b| b.is_ascii_alphanumeric()),
        "suffix of {arn}"
    );
}

//! A service over a temporary data directory, with a clock tests can move.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};
use tresor_policy::ContextKeys;
use tresor_server::authz::{Access, Transport, action_of, global_keys};
use tresor_server::barrier::{Active, Barrier};
use tresor_server::clock::ManualClock;
use tresor_server::identity::Principal;
use tresor_server::identity::oidc::OidcProviders;
use tresor_server::service::{Ctx, Service};
use tresor_server::{Config, init};
use tresor_wire::{AwsError, KmsOperation, Operation, Target};

pub const REGION: &str = "us-east-1";

pub struct Harness {
    pub service: Service,
    /// The unsealed state, for authenticating signed requests.
    pub active: Arc<Active>,
    pub clock: Arc<ManualClock>,
    pub account_id: String,
}

impl Harness {
    pub async fn open(dir: &Path) -> Harness {
        Harness::try_open(dir)
            .await
            .expect("open and unseal the data directory")
    }

    pub async fn try_open(dir: &Path) -> Result<Harness, String> {
        let clock = Arc::new(ManualClock::new());
        let mut config = Config::new(dir);
        config.account_id = Some("111122223333".into());
        let (dir, _) = init::open(&config, clock.now())
            .await
            .map_err(|e| e.to_string())?;
        let barrier = Barrier::new(
            &dir,
            config.clone(),
            clock.clone(),
            Arc::new(OidcProviders::default()),
        );
        let sealer = init::configured_sealer(&config)
            .map_err(|e| e.to_string())?
            .expect("a file seal");
        let active = barrier
            .unseal_with(sealer)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Harness {
            service: active.service.clone(),
            active,
            clock,
            account_id: dir.account_id,
        })
    }

    /// The account root calling `op`.
    pub fn ctx(&self, op: Target) -> Ctx {
        Ctx {
            region: REGION.into(),
            account_id: self.account_id.clone(),
            access: Arc::new(Access::new(
                Arc::clone(self.service.directory()),
                Arc::new(Principal::root(&self.account_id)),
                None,
                None,
                ContextKeys::new(),
                action_of(op),
            )),
            request_id: "test".into(),
        }
    }

    /// The caller holding the access key `access_key_id` (made through the
    /// IAM API) calling `op`: its principal and identity policies as the
    /// directory loads them for a signed request.
    pub async fn ctx_for_key(&self, access_key_id: &str, op: Target) -> Ctx {
        let directory = self.service.directory();
        let credentials = directory
            .credentials(access_key_id)
            .await
            .expect("the store answers")
            .expect("an active access key");
        self.ctx_for(Arc::clone(&credentials.principal), op).await
    }

    /// `principal` calling `op` over TLS from 127.0.0.1, with its identity
    /// policies and the global condition keys a request brings.
    pub async fn ctx_for(&self, principal: Arc<Principal>, op: Target) -> Ctx {
        let directory = self.service.directory();
        let identity = match principal.policy_owner() {
            Some(owner) => Some(directory.policies(owner).await.expect("policies load")),
            None => None,
        };
        let transport = Transport {
            source_ip: std::net::Ipv4Addr::LOCALHOST.into(),
            secure: true,
        };
        let keys = global_keys(&principal, REGION, directory.now_ms(), transport);
        Ctx {
            region: REGION.into(),
            account_id: self.account_id.clone(),
            access: Arc::new(Access::new(
                Arc::clone(directory),
                principal,
                identity,
                None,
                keys,
                action_of(op),
            )),
            request_id: "test".into(),
        }
    }

    pub async fn ok_kms(&self, op: KmsOperation, body: Value) -> Value {
        match self.call(op, body.clone()).await {
            Ok(v) => v,
            Err(e) => panic!("{} {body} failed: {e}", op.name()),
        }
    }

    pub async fn call(&self, op: impl Into<Target>, body: Value) -> Result<Value, AwsError> {
        let op = op.into();
        let bytes = self
            .service
            .handle(&self.ctx(op), op, body.to_string().as_bytes())
            .await?;
        Ok(serde_json::from_slice(&bytes).expect("responses are JSON"))
    }

    pub async fn ok(&self, op: Operation, body: Value) -> Value {
        match self.call(op, body.clone()).await {
            Ok(v) => v,
            Err(e) => panic!("{} {body} failed: {e}", op.name()),
        }
    }

    pub async fn create(&self, name: &str, value: &str) -> Value {
        self.ok(
            Operation::CreateSecret,
            json!({"Name": name, "SecretString": value, "ClientRequestToken": token()}),
        )
        .await
    }
}

trait Now {
    fn now(&self) -> i64;
}

impl Now for ManualClock {
    fn now(&self) -> i64 {
        use tresor_server::clock::Clock;
        self.now_ms()
    }
}

/// A fresh ClientRequestToken.
pub fn token() -> String {
    uuid_like()
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    format!(
        "00000000-0000-4000-8000-{:012x}",
        N.fetch_add(1, Ordering::SeqCst)
    )
}

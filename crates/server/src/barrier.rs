//! The barrier between the store and everything that needs the root key:
//! sealed or unsealed.
//!
//! Sealed, Tresor holds no key material and answers every API request with
//! ServiceUnavailable. Unsealing — by a seal key the configuration supplies
//! at start, or by Shamir shares entered one by one — reconstructs the root
//! key and builds the keyring, the service and the authenticator. Sealing
//! drops them (the keys are zeroised as the last request holding them
//! finishes). Operator actions that need the root key run here too: root
//! key rotation and re-wrapping data keys.

use std::sync::{Arc, Mutex, RwLock};

use tresor_wire::{AwsError, ErrorCode};

use crate::audit::AuditTrail;
use crate::auth::Authenticator;
use crate::clock::Clock;
use crate::config::Config;
use crate::identity::Directory;
use crate::identity::oidc::OidcProviders;
use crate::init::{self, DataDir};
use crate::kms::root_seal::{SEAL_RECORD_KEY, SealKind, SealRecord, Sealer, UnsealError};
use crate::kms::seal::{ShareSetId, Unsealer};
use crate::kms::{Keyring, RootKey};
use crate::metrics::Metrics;
use crate::service::Service;
use crate::store::{self, Store, StoreError};

/// Everything that exists only while unsealed.
pub struct Active {
    pub service: Service,
    /// Where every request's event is recorded.
    pub audit: Arc<AuditTrail>,
    pub auth: Authenticator,
    pub directory: Arc<Directory>,
    keyring: Arc<Keyring>,
    sealer: Sealer,
}

enum State {
    Sealed,
    Unsealed(Arc<Active>),
}

pub struct Barrier {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// The OpenID Connect issuers web identities may come from.
    oidc: Arc<OidcProviders>,
    account_id: String,
    kind: SealKind,
    config: Config,
    state: RwLock<State>,
    /// Shares entered so far (Shamir seal).
    unsealer: Mutex<Option<Unsealer>>,
    /// One root key rotation at a time.
    rotating: tokio::sync::Mutex<()>,
    /// What `/metrics` exposes; lives as long as the server, sealed or not.
    metrics: Arc<Metrics>,
}

/// What re-wrapping data keys did.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RewrapReport {
    pub checked: usize,
    pub rewrapped: usize,
}

/// Values re-wrapped per transaction: each batch commits on its own, so an
/// interrupted run keeps what it did and a new run carries on.
const REWRAP_BATCH: usize = 200;

/// What `GET /tresor/v1/seal-status` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SealStatus {
    pub sealed: bool,
    #[serde(rename = "type")]
    pub kind: SealKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shares: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<u8>,
}

/// The answer to every API request while sealed.
pub fn sealed_error() -> AwsError {
    AwsError::new(
        ErrorCode::ServiceUnavailable,
        "Tresor is sealed. Unseal it with `tresor operator unseal` (see docs/keys.md).",
    )
}

fn unseal_error(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::InvalidRequestException, message)
}

impl Barrier {
    pub fn new(
        dir: &DataDir,
        config: Config,
        clock: Arc<dyn Clock>,
        oidc: Arc<OidcProviders>,
    ) -> Barrier {
        Barrier {
            store: Arc::clone(&dir.store),
            clock,
            oidc,
            account_id: dir.account_id.clone(),
            kind: dir.record.kind,
            config,
            state: RwLock::new(State::Sealed),
            unsealer: Mutex::new(None),
            rotating: tokio::sync::Mutex::new(()),
            metrics: Arc::new(Metrics::new(dir.store.metrics())),
        }
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The unsealed service, or `None` while sealed.
    pub fn active(&self) -> Option<Arc<Active>> {
        match &*self.state.read().unwrap_or_else(|p| p.into_inner()) {
            State::Unsealed(active) => Some(Arc::clone(active)),
            State::Sealed => None,
        }
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The region Tresor's own events are recorded in.
    pub fn default_region(&self) -> &str {
        &self.config.default_region
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.config.data_dir
    }

    pub fn seal_kind(&self) -> SealKind {
        self.kind
    }

    pub fn store_arc(&self) -> &Arc<dyn Store> {
        &self.store
    }

    async fn record(&self) -> Result<SealRecord, AwsError> {
        let text = store::read(&*self.store, |txn| txn.meta(SEAL_RECORD_KEY))
            .await?
            .ok_or_else(AwsError::internal)?;
        SealRecord::from_json(&text).map_err(|e| crate::service::internal_error("seal record", &e))
    }

    /// Unseals with a sealer (the configured seal key, or combined shares).
    pub async fn unseal_with(&self, sealer: Sealer) -> Result<Arc<Active>, UnsealError> {
        let record = self
            .record()
            .await
            .map_err(|e| UnsealError::Seal(e.message))?;
        let wrapped = record.wrapped().map_err(UnsealError::Seal)?;
        let root = sealer.unwrap(&wrapped)?;
        let active = Arc::new(self.activate(&root, sealer).await?);
        *self.state.write().unwrap_or_else(|p| p.into_inner()) =
            State::Unsealed(Arc::clone(&active));
        Ok(active)
    }

    async fn activate(&self, root: &RootKey, sealer: Sealer) -> Result<Active, UnsealError> {
        let keyring = Arc::new(Keyring::new(root, &self.account_id));
        init::ensure_dev_key(
            &*self.store,
            &keyring,
            &self.config,
            &self.account_id,
            self.clock.now_ms(),
        )
        .await
        .map_err(|e| UnsealError::Seal(e.to_string()))?;
        let audit_keys = {
            let keyring = Arc::clone(&keyring);
            store::write(&*self.store, move |txn| {
                keyring
                    .audit_keys(txn)
                    .map_err(|e| StoreError(format!("the audit keys: {e}")))
            })
            .await
            .map_err(|e| UnsealError::Seal(e.to_string()))?
        };
        let audit = Arc::new(
            AuditTrail::new(
                audit_keys,
                Arc::clone(&self.store),
                Arc::clone(&self.clock),
                self.config.audit.clone(),
            )
            .with_metrics(Arc::clone(&self.metrics.audit)),
        );
        let directory = Arc::new(Directory::new(
            Arc::clone(&self.store),
            Arc::clone(&keyring),
            Arc::clone(&self.clock),
            &self.account_id,
        ));
        let service = Service::new(
            Arc::clone(&self.store),
            Arc::clone(&keyring),
            Arc::clone(&directory),
            Arc::clone(&self.oidc),
            Arc::clone(&self.clock),
            self.config.allowed_regions.clone(),
            Arc::clone(&audit),
        );
        let auth = Authenticator::new(
            Arc::clone(&directory),
            Arc::clone(&self.clock),
            self.config.clock_skew.as_secs() as i64,
            self.config.allowed_regions.clone(),
        );
        Ok(Active {
            service,
            audit,
            auth,
            directory,
            keyring,
            sealer,
        })
    }

    /// Seals: the keys go as soon as no request holds them any more.
    pub fn seal(&self) {
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = State::Sealed;
        *self.unsealer.lock().unwrap_or_else(|p| p.into_inner()) = None;
        tracing::info!("sealed");
    }

    pub async fn status(&self) -> SealStatus {
        let sealed = self.active().is_none();
        let shamir = if self.kind == SealKind::Shamir {
            self.record().await.ok().and_then(|r| r.shamir)
        } else {
            None
        };
        let progress = self
            .unsealer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map_or(0, |u| u.progress().have);
        SealStatus {
            sealed,
            kind: self.kind,
            threshold: shamir.as_ref().map(|s| s.threshold),
            shares: shamir.as_ref().map(|s| s.shares),
            progress: shamir.map(|_| if sealed { progress } else { 0 }),
        }
    }

    /// Takes one Shamir share. Once enough are in, combines them and
    /// unseals; shares that combine to the wrong key reset the progress.
    pub async fn submit_share(&self, share: &str) -> Result<SealStatus, AwsError> {
        if self.kind != SealKind::Shamir {
            return Err(unseal_error(format!(
                "This server is sealed with `{}`, not with Shamir shares.",
                self.kind
            )));
        }
        if self.active().is_some() {
            return Ok(self.status().await);
        }
        let record = self.record().await?;
        let params = record.shamir.clone().ok_or_else(AwsError::internal)?;
        let combined = {
            let mut guard = self.unsealer.lock().unwrap_or_else(|p| p.into_inner());
            let unsealer = guard.get_or_insert_with(|| {
                Unsealer::new(parse_set_id(&params.set_id), params.threshold)
            });
            let progress = unsealer
                .add(share)
                .map_err(|e| unseal_error(e.to_string()))?;
            if !progress.is_complete() {
                None
            } else {
                let key = unsealer.combine().map_err(|e| unseal_error(e.to_string()));
                *guard = None;
                Some(key?)
            }
        };
        if let Some(key) = combined {
            match self.unseal_with(Sealer::Key(SealKind::Shamir, key)).await {
                Ok(_) => tracing::info!("unsealed with Shamir shares"),
                Err(UnsealError::WrongKey) => {
                    return Err(unseal_error(
                        "The shares entered do not unseal this data directory; progress was reset. \
                         Check that every share belongs to this server.",
                    ));
                }
                Err(e) => return Err(crate::service::internal_error("unseal", &e)),
            }
        }
        Ok(self.status().await)
    }

    /// Forgets shares entered so far.
    pub fn reset_unseal(&self) {
        *self.unsealer.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Replaces the root key: re-wraps KMS key material and access keys
    /// under a new one, and seals it as before — in one transaction.
    pub async fn rotate_root(&self) -> Result<(usize, usize), AwsError> {
        let _one_at_a_time = self.rotating.lock().await;
        let active = self.active().ok_or_else(sealed_error)?;
        let next = RootKey::generate();
        let record = self.record().await?;
        let new_record = active
            .sealer
            .record(&next, record.shamir.clone())
            .map_err(|e| crate::service::internal_error("sealing the new root key", &e))?
            .to_json();
        let keyring = Arc::clone(&active.keyring);
        let result = store::write(&*self.store, move |txn| {
            let counts = keyring.begin_root_rotation(txn, &next).map_err(|e| {
                crate::service::internal_error("re-wrapping under the new root key", &e)
            })?;
            txn.set_meta(SEAL_RECORD_KEY, &new_record)?;
            Ok::<_, AwsError>(counts)
        })
        .await;
        match &result {
            Ok(_) => active.keyring.finish_root_rotation(),
            Err(_) => active.keyring.abandon_root_rotation(),
        }
        result
    }
}

impl Barrier {
    /// Re-wraps every secret version's data key under the newest material
    /// of its KMS key (after key rotation), in batches. Values whose key is
    /// disabled or pending deletion are left as they are.
    pub async fn rewrap_data_keys(&self) -> Result<RewrapReport, AwsError> {
        let active = self.active().ok_or_else(sealed_error)?;
        let mut report = RewrapReport::default();
        let mut cursor: Option<(i64, String)> = None;
        loop {
            let keyring = Arc::clone(&active.keyring);
            let after = cursor.clone();
            let (batch, rewrapped, last) = store::write(&*self.store, move |txn| {
                let values = txn.stored_values_after(after, REWRAP_BATCH)?;
                let mut rewrapped = 0;
                for v in &values {
                    let region = tresor_wire::arn::Arn::parse(&v.arn)
                        .map(|a| a.region)
                        .unwrap_or_default();
                    let new = keyring
                        .rewrap_data_key(txn, &region, &v.value, &v.arn, &v.version_id)
                        .map_err(|e| {
                            crate::service::internal_error("re-wrapping a data key", &e)
                        })?;
                    if let Some(wrapped) = new {
                        txn.set_wrapped_key(v.secret, &v.version_id, &wrapped)?;
                        rewrapped += 1;
                    }
                }
                let last = values.last().map(|v| (v.secret, v.version_id.clone()));
                Ok::<_, AwsError>((values.len(), rewrapped, last))
            })
            .await?;
            report.checked += batch;
            report.rewrapped += rewrapped;
            if batch < REWRAP_BATCH {
                return Ok(report);
            }
            cursor = last;
        }
    }
}

fn parse_set_id(hex_id: &str) -> ShareSetId {
    let mut bytes = [0u8; 4];
    if let Ok(decoded) = hex::decode(hex_id)
        && decoded.len() == 4
    {
        bytes.copy_from_slice(&decoded);
    }
    ShareSetId::from_bytes(bytes)
}

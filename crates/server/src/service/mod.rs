//! The Secrets Manager operations, with AWS's semantics.
//!
//! Owns what a request means: resolving secrets, versions and staging
//! labels, idempotency, deletion, tags, policies, rotation configuration and
//! replication. It reads and writes through `store` and encrypts through
//! `kms`; it never sees HTTP and never checks signatures (`auth` did).

mod authorize;
mod create;
mod delete;
mod describe;
mod errors;
pub mod filters;
mod get_value;
pub mod iam;
mod kms;
mod labels;
mod list;
mod lookup_events;
mod pagination;
pub mod password;
mod policy;
mod put_value;
mod replication;
mod rotation;
mod secret;
mod secret_keys;
mod stages;
mod sts;
mod tags;
mod update;
mod versions;
mod watch;
mod write_value;

use std::sync::Arc;

use serde::Serialize;
use tresor_wire::request::decode;
use tresor_wire::{AwsError, Operation, Target};

use crate::audit::{self, AuditTrail};
use crate::authz::{Access, Resource};
use crate::changes::Changes;
use crate::clock::Clock;
use crate::identity::Directory;
use crate::identity::oidc::OidcProviders;
use crate::kms::Keyring;
use crate::store::{self, ReadTxn, Store, WriteTxn};

pub use delete::purge_due;
pub use errors::internal as internal_error;
pub use kms::maintain_keys;
pub use sts::forget_expired_sessions;

/// Who is calling, where, what they may do, and under which request id.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The region from the request's SigV4 credential scope.
    pub region: String,
    pub account_id: String,
    /// The caller and its policies; operations decide with it.
    pub access: Arc<Access>,
    pub request_id: String,
}

impl Ctx {
    /// Tresor's own work in a region and account (e.g. keeping a replica
    /// in step with its primary): every check passes.
    pub fn scope(region: &str, account_id: &str) -> Ctx {
        Ctx {
            region: region.to_string(),
            account_id: account_id.to_string(),
            access: Arc::new(Access::internal(account_id)),
            request_id: String::new(),
        }
    }

    pub fn principal_arn(&self) -> &str {
        &self.access.principal().arn
    }

    /// Decides the operation's action on `resource`.
    pub fn check(&self, resource: Resource) -> Result<(), AwsError> {
        self.access.check(resource)
    }

    /// The same request deciding another action (see `Access::for_action`).
    pub fn for_action(&self, action: &str) -> Ctx {
        Ctx {
            access: Arc::new(self.access.for_action(action)),
            ..self.clone()
        }
    }
}

/// Cheap to clone: every part is shared. Handlers clone it into the
/// store jobs they submit.
#[derive(Clone)]
pub struct Service {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) keyring: Arc<Keyring>,
    pub(crate) directory: Arc<Directory>,
    pub(crate) oidc: Arc<OidcProviders>,
    pub(crate) clock: Arc<dyn Clock>,
    /// Regions replicas may be created in (`None`: any valid region).
    pub(crate) allowed_regions: Option<Arc<[String]>>,
    /// Where Tresor's own work (purges, key rotations) is recorded.
    pub(crate) audit: Arc<AuditTrail>,
    /// Committed changes to secrets, for watchers (`WaitForSecretChanges`).
    pub(crate) changes: Arc<Changes>,
}

impl Service {
    pub fn new(
        store: Arc<dyn Store>,
        keyring: Arc<Keyring>,
        directory: Arc<Directory>,
        oidc: Arc<OidcProviders>,
        clock: Arc<dyn Clock>,
        allowed_regions: Option<Vec<String>>,
        audit: Arc<AuditTrail>,
    ) -> Service {
        Service {
            store,
            keyring,
            directory,
            oidc,
            clock,
            allowed_regions: allowed_regions.map(Arc::from),
            audit,
            changes: Arc::new(Changes::default()),
        }
    }

    /// Records Tresor's own work on `resource` (an `AwsServiceEvent`) in
    /// the transaction that does it.
    pub(crate) fn record_service_event(
        &self,
        txn: &mut dyn WriteTxn,
        service: tresor_wire::Service,
        name: &str,
        region: &str,
        resource: &str,
    ) -> Result<(), AwsError> {
        let draft = audit::Draft::service_event(
            service,
            name,
            region,
            self.keyring.account_id(),
            self.now(),
        );
        let event = draft.finish(
            &audit::Outcome::Success {
                response: serde_json::Value::Null,
            },
            &[resource.to_string()],
        );
        self.audit.append(txn, event).map_err(|e| {
            tracing::error!(error = %e, "appending a service event failed");
            audit::unavailable()
        })?;
        Ok(())
    }

    /// Identities and compiled policies (the access of a request is
    /// built from it).
    pub fn directory(&self) -> &Arc<Directory> {
        &self.directory
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Runs `f` in a write transaction (see `store::write`).
    ///
    /// Inside an API request, the first write also appends the request's
    /// audit event to the same transaction (with `f`'s value as the
    /// response it records), so a change never commits without its event;
    /// and no write starts after the request's audit deadline.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, AwsError>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(&Service, &mut dyn WriteTxn) -> Result<T, AwsError> + Send + 'static,
    {
        let svc = self.clone();
        let Some(scope) = audit::current() else {
            return store::write(&*self.store, move |txn| f(&svc, txn)).await;
        };
        let job_scope = Arc::clone(&scope);
        let ticket = Arc::new(audit::WriteTicket::default());
        let job_ticket = Arc::clone(&ticket);
        let written = store::write(&*self.store, move |txn| {
            job_ticket.start()?;
            let value = f(&svc, txn)?;
            job_scope.append_success(txn, &value)?;
            Ok(value)
        });
        let result = scope.bounded(&ticket, written).await;
        scope.write_finished(result.is_ok());
        if result.is_ok()
            && let Some(Target::SecretsManager(op)) = scope.draft().target
            && !audit::record::is_read_only(Target::SecretsManager(op))
        {
            let resources = scope.resources();
            self.changes.note(
                resources
                    .iter()
                    .map(String::as_str)
                    .filter(|arn| arn.contains(":secretsmanager:")),
            );
        }
        result
    }

    /// Runs Tresor's own upkeep in a write transaction during a request
    /// (seeding built-in policies on first use): not the request's change,
    /// so it neither carries the request's audit event nor waits on it.
    pub(crate) async fn write_own<T, F>(&self, f: F) -> Result<T, AwsError>
    where
        T: Send + 'static,
        F: FnOnce(&Service, &mut dyn WriteTxn) -> Result<T, AwsError> + Send + 'static,
    {
        let svc = self.clone();
        store::write(&*self.store, move |txn| f(&svc, txn)).await
    }

    /// `read`, on the calling task when the store holds all that `f`
    /// reads in memory (see `store::read_fast`); `f` may run twice.
    pub(crate) async fn read_fast<T, F>(&self, f: F) -> Result<T, AwsError>
    where
        T: Send + 'static,
        F: Fn(&Service, &dyn ReadTxn) -> Result<T, AwsError> + Send + 'static,
    {
        let svc = self.clone();
        store::read_fast(&*self.store, move |txn| f(&svc, txn)).await
    }

    /// Runs `f` against committed state (see `store::read`).
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, AwsError>
    where
        T: Send + 'static,
        F: FnOnce(&Service, &dyn ReadTxn) -> Result<T, AwsError> + Send + 'static,
    {
        let svc = self.clone();
        store::read(&*self.store, move |txn| f(&svc, txn)).await
    }

    /// Decodes the body for `target`, runs the operation, encodes the answer.
    pub async fn handle(
        &self,
        ctx: &Ctx,
        target: impl Into<Target>,
        body: &[u8],
    ) -> Result<Vec<u8>, AwsError> {
        match target.into() {
            Target::SecretsManager(op) => self.handle_secrets_manager(ctx, op, body).await,
            Target::Kms(op) => kms::handle(self, ctx, op, body).await,
            Target::Operator(tresor_wire::OperatorOperation::WaitForSecretChanges) => Ok(encode(
                &watch::wait_for_secret_changes(self, ctx, body).await?,
            )),
            Target::Operator(op) => Err(AwsError::new(
                tresor_wire::ErrorCode::UnknownOperationException,
                format!(
                    "{} is an operator action, not a service operation.",
                    op.name()
                ),
            )),
            Target::Iam(op) => iam::handle(self, ctx, op, body).await,
            Target::CloudTrail(op) => match op {
                tresor_wire::CloudTrailOperation::LookupEvents => Ok(encode(
                    &lookup_events::lookup_events(self, ctx, decode(op, body)?).await?,
                )),
            },
            Target::Sts(op) => sts::handle(self, ctx, op, body).await,
        }
    }

    async fn handle_secrets_manager(
        &self,
        ctx: &Ctx,
        op: Operation,
        body: &[u8],
    ) -> Result<Vec<u8>, AwsError> {
        macro_rules! call {
            ($handler:path) => {
                encode(&$handler(self, ctx, decode(op, body)?).await?)
            };
        }
        use Operation::*;
        Ok(match op {
            BatchGetSecretValue => call!(get_value::batch_get_secret_value),
            CancelRotateSecret => call!(rotation::cancel_rotate_secret),
            CreateSecret => call!(create::create_secret),
            DeleteResourcePolicy => call!(policy::delete_resource_policy),
            DeleteSecret => call!(delete::delete_secret),
            DescribeSecret => call!(describe::describe_secret),
            GetRandomPassword => call!(password::get_random_password),
            GetResourcePolicy => call!(policy::get_resource_policy),
            GetSecretValue => call!(get_value::get_secret_value),
            ListSecretVersionIds => call!(versions::list_secret_version_ids),
            ListSecrets => call!(list::list_secrets),
            PutResourcePolicy => call!(policy::put_resource_policy),
            PutSecretValue => call!(put_value::put_secret_value),
            RemoveRegionsFromReplication => call!(replication::remove_regions_from_replication),
            ReplicateSecretToRegions => call!(replication::replicate_secret_to_regions),
            RestoreSecret => call!(delete::restore_secret),
            RotateSecret => call!(rotation::rotate_secret),
            StopReplicationToReplica => call!(replication::stop_replication_to_replica),
            TagResource => call!(tags::tag_resource),
            UntagResource => call!(tags::untag_resource),
            UpdateSecret => call!(update::update_secret),
            UpdateSecretVersionStage => call!(stages::update_secret_version_stage),
            ValidateResourcePolicy => call!(policy::validate_resource_policy),
        })
    }
}

pub(crate) fn encode<T: Serialize>(response: &T) -> Vec<u8> {
    serde_json::to_vec(response).expect("response DTOs always serialise")
}

/// Operations without an output shape answer `{}`.
#[derive(Serialize)]
pub(crate) struct Empty {}

//! Authorization: may this caller perform this action on this resource?
//!
//! Every API request gets an `Access` before its operation runs: the
//! caller, its compiled identity policies (cached per principal by
//! `identity::Directory`), and the condition keys of the request (global
//! ones and those its parameters supply). Operations call `check` where
//! they resolve the resource — a secret, a KMS key, an IAM entity — adding
//! the resource's own keys and policy; actions without a resource check
//! `*`. The HTTP layer refuses to answer an operation that never checked
//! (fail closed), so no operation is reachable without a decision.
//!
//! `decide` combines the answers as IAM does within one account; the
//! policy language itself is `tresor_policy`.

pub mod decide;
pub mod global_keys;
pub mod request_keys;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tresor_policy::{
    CallerPrincipal, CompiledPolicy, ContextKeys, PolicyResult, PolicySet, RequestContext,
};
use tresor_wire::{AwsError, ErrorCode};

use tresor_wire::{Service, Target};

use crate::auth::Caller;
use crate::identity::{Directory, IdentityPolicies, Principal, PrincipalKind};
use crate::store::StoreError;
use decide::{Answers, ResourceAnswer, decide};
pub use global_keys::{Transport, global_keys};

/// The access of an authenticated request to `target` with `body`: the
/// caller's identity policies (cached) and the request's condition keys.
pub async fn request_access(
    directory: &Arc<Directory>,
    caller: &Caller,
    target: Target,
    body: &[u8],
    transport: Transport,
) -> Result<Access, StoreError> {
    let identity = match caller.principal.policy_owner() {
        Some(owner) => Some(directory.policies(owner).await?),
        None => None,
    };
    let mut keys = global_keys(
        &caller.principal,
        &caller.region,
        directory.now_ms(),
        transport,
    );
    if let Ok(parameters) = serde_json::from_slice::<serde_json::Value>(body) {
        request_keys::add(target, &parameters, &mut keys);
    }
    if target.service() == Service::Kms {
        keys.set("kms:CallerAccount", caller.principal.account_id.as_str());
    }
    Ok(Access::new(
        Arc::clone(directory),
        Arc::clone(&caller.principal),
        identity,
        caller.session_policy.clone(),
        keys,
        action_of(target),
    ))
}

/// The IAM action of an operation: `secretsmanager:GetSecretValue`, …
pub fn action_of(target: Target) -> String {
    format!("{}:{}", target.service().signing_name(), target.name())
}

/// The error a denial is reported with: awsJson services say
/// `AccessDeniedException`, the awsQuery ones (IAM, STS) `AccessDenied`.
fn denied_code(action: &str) -> ErrorCode {
    if action.starts_with("iam:") || action.starts_with("sts:") {
        ErrorCode::AccessDenied
    } else {
        ErrorCode::AccessDeniedException
    }
}

/// The resource's own policy (its JSON text, as stored) and how it takes
/// part.
#[derive(Clone, Copy)]
pub enum ResourcePolicy<'a> {
    /// The resource has none.
    None,
    /// A secret's resource policy: it may allow on its own.
    Optional(&'a str),
    /// A key policy or trust policy: it must allow the caller or account.
    Required(&'a str),
}

/// The resource an action is checked against.
pub struct Resource<'a> {
    /// Its ARN, or `*`.
    pub arn: &'a str,
    /// Condition keys the resource supplies (`aws:ResourceTag/…`, …).
    pub keys: ContextKeys,
    pub policy: ResourcePolicy<'a>,
}

impl<'a> Resource<'a> {
    /// An action without a resource (ListSecrets, CreateKey, …).
    pub fn any() -> Resource<'static> {
        Resource {
            arn: "*",
            keys: ContextKeys::new(),
            policy: ResourcePolicy::None,
        }
    }

    pub fn arn(arn: &'a str) -> Resource<'a> {
        Resource {
            arn,
            keys: ContextKeys::new(),
            policy: ResourcePolicy::None,
        }
    }
}

/// What one request may do.
pub struct Access {
    /// Compiles resource policies (cached). `None` only for Tresor acting
    /// on its own behalf (replica upkeep, maintenance), which is never
    /// built from a request and passes every check.
    directory: Option<Arc<Directory>>,
    principal: Arc<Principal>,
    /// `None` for the root and for Tresor's own work.
    identity: Option<Arc<IdentityPolicies>>,
    session_policy: Option<Arc<PolicySet>>,
    keys: ContextKeys,
    /// The operation's action, e.g. `secretsmanager:GetSecretValue`.
    action: String,
    /// What was decided; shared by derived accesses.
    decisions: Arc<Decisions>,
}

/// The decisions of one request: whether any was made (an answer without
/// one is refused) and on which resources (the audit event lists them).
#[derive(Debug, Default)]
struct Decisions {
    checked: AtomicBool,
    /// How many denied (the metrics count them).
    denied: AtomicU64,
    resources: Mutex<Vec<String>>,
}

/// Resources one event lists at most (a batch read decides per secret).
const MAX_RESOURCES: usize = 100;

impl Decisions {
    fn decided(&self, arn: &str) {
        self.checked.store(true, Ordering::Relaxed);
        if arn == "*" {
            return;
        }
        let mut resources = self.resources.lock().unwrap_or_else(|p| p.into_inner());
        if resources.len() < MAX_RESOURCES && !resources.iter().any(|r| r == arn) {
            resources.push(arn.to_string());
        }
    }
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("principal", &self.principal.arn)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

impl Access {
    /// A caller's access for one request.
    pub fn new(
        directory: Arc<Directory>,
        principal: Arc<Principal>,
        identity: Option<Arc<IdentityPolicies>>,
        session_policy: Option<Arc<PolicySet>>,
        keys: ContextKeys,
        action: String,
    ) -> Access {
        Access {
            directory: Some(directory),
            principal,
            identity,
            session_policy,
            keys,
            action,
            decisions: Arc::default(),
        }
    }

    /// Tresor's own work in `account_id`: every check passes.
    pub fn internal(account_id: &str) -> Access {
        Access {
            directory: None,
            principal: Arc::new(Principal::root(account_id)),
            identity: None,
            session_policy: None,
            keys: ContextKeys::new(),
            action: String::new(),
            decisions: Arc::new(Decisions {
                checked: AtomicBool::new(true),
                ..Decisions::default()
            }),
        }
    }

    /// The same caller and request, deciding `action` instead (a batch
    /// read checks GetSecretValue per secret).
    pub fn for_action(&self, action: &str) -> Access {
        Access {
            directory: self.directory.clone(),
            principal: Arc::clone(&self.principal),
            identity: self.identity.clone(),
            session_policy: self.session_policy.clone(),
            keys: self.keys.clone(),
            action: action.to_string(),
            decisions: Arc::clone(&self.decisions),
        }
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn action(&self) -> &str {
        &self.action
    }

    /// The operation needs no permission (STS GetCallerIdentity, as on
    /// AWS): counts as its decision.
    pub fn needs_no_permission(&self) {
        self.decisions.checked.store(true, Ordering::Relaxed);
    }

    /// Whether any decision was made for this request.
    pub fn was_checked(&self) -> bool {
        self.decisions.checked.load(Ordering::Relaxed)
    }

    /// How many decisions for this request denied.
    pub fn denials(&self) -> u64 {
        self.decisions.denied.load(Ordering::Relaxed)
    }

    /// The ARNs decisions were made on, in order (not `*`).
    pub fn resources(&self) -> Vec<String> {
        self.decisions
            .resources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Decides the operation's own action on `resource`.
    pub fn check(&self, resource: Resource) -> Result<(), AwsError> {
        self.check_action(&self.action.clone(), resource)
    }

    /// Decides `action` on `resource`; AccessDeniedException in AWS's
    /// words if denied.
    pub fn check_action(&self, action: &str, resource: Resource) -> Result<(), AwsError> {
        self.decisions.decided(resource.arn);
        let Some(directory) = &self.directory else {
            return Ok(());
        };
        let mut keys = self.keys.clone();
        for (k, v) in resource.keys.iter() {
            match v {
                tresor_policy::ContextValue::Single(s) => keys.set(k, s.clone()),
                tresor_policy::ContextValue::Multi(vs) => keys.set_multi(k, vs.clone()),
            }
        }
        let request = RequestContext {
            action: action.to_string(),
            resource: resource.arn.to_string(),
            principal: Some(self.caller()),
            keys,
        };
        let identity = self
            .identity
            .as_ref()
            .map(|p| p.documents.evaluate_identity(&request));
        let session = self
            .session_policy
            .as_ref()
            .map(|d| d.evaluate_identity(&request));
        let (text, required) = match resource.policy {
            ResourcePolicy::None => (None, false),
            ResourcePolicy::Optional(t) => (Some(t), false),
            ResourcePolicy::Required(t) => (Some(t), true),
        };
        let resource_answer = match text {
            Some(text) => {
                let document = directory
                    .compiled(text)
                    .map_err(|e| crate::service::internal_error("a stored policy", &e))?;
                Some(self.resource_answer(&document, &request))
            }
            None => None,
        };
        let answers = Answers {
            identity: if self.principal.is_root() {
                None
            } else {
                Some(identity.unwrap_or(PolicyResult::NotApplicable))
            },
            session,
            resource: resource_answer,
            resource_required: required,
        };
        decide(&answers).map_err(|denial| {
            self.decisions.denied.fetch_add(1, Ordering::Relaxed);
            let on = if resource.arn == "*" {
                String::new()
            } else {
                format!(" on resource: {}", resource.arn)
            };
            AwsError::new(
                denied_code(action),
                format!(
                    "User: {} is not authorized to perform: {action}{on} {}",
                    self.principal.arn,
                    denial.reason(action)
                ),
            )
        })
    }

    fn caller(&self) -> CallerPrincipal {
        let federated = match &self.principal.kind {
            PrincipalKind::AssumedRole(s) => s.federated_provider.clone(),
            _ => None,
        };
        CallerPrincipal {
            arns: self.principal.arns(),
            account: self.principal.account_id.clone(),
            federated,
            service: None,
        }
    }

    /// A resource policy's answer; for a role session, also whether it
    /// named the session itself (see `decide`).
    fn resource_answer(
        &self,
        document: &CompiledPolicy,
        request: &RequestContext,
    ) -> ResourceAnswer {
        let result = document.evaluate_resource(request);
        let names_session = match (&self.principal.kind, result) {
            (PrincipalKind::AssumedRole(_), PolicyResult::Allow) => {
                let mut only_session = request.clone();
                if let Some(p) = only_session.principal.as_mut() {
                    p.arns = vec![self.principal.arn.clone()];
                }
                document.evaluate_resource(&only_session) == PolicyResult::Allow
            }
            _ => true,
        };
        ResourceAnswer {
            result,
            names_session,
        }
    }
}

//! The identity directory as the request path sees it: access key id →
//! caller and secret, caller → compiled identity policies. Both cached in
//! memory and dropped together whenever IAM changes.
//!
//! Every IAM write calls `changed()` after it committed. A lookup samples
//! the generation before it reads the store and only caches its answer if
//! no change happened meanwhile, so a cache never outlives the state it was
//! read from.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tresor_policy::{CompiledPolicy, PolicySet};
use zeroize::Zeroizing;

use super::entities::{self, Entity, PolicyBody, RoleBody, UserBody};
use super::principal::{Principal, PrincipalKind, RoleSession, StoredSession, session_arn};
use crate::clock::Clock;
use crate::kms::Keyring;
use crate::store::{self, ReadTxn, Store, StoreError};

/// What an access key id resolves to.
#[derive(Clone)]
pub struct Credentials {
    pub principal: Arc<Principal>,
    pub secret: Arc<Zeroizing<Vec<u8>>>,
    /// Temporary credentials: the session token's hash and the expiry.
    pub session: Option<SessionCheck>,
}

#[derive(Clone)]
pub struct SessionCheck {
    pub token_hash: Vec<u8>,
    pub expires_ms: i64,
    /// The session policies, compiled.
    pub policy: Option<Arc<PolicySet>>,
}

/// The identity-based policies that apply to a user or role: its inline
/// policies, its attached managed policies' default versions and, for a
/// user, those of its groups.
#[derive(Debug, Default)]
pub struct IdentityPolicies {
    pub documents: PolicySet,
}

struct Cached<T> {
    generation: u64,
    entries: HashMap<String, T>,
}

impl<T> Cached<T> {
    fn new() -> RwLock<Cached<T>> {
        RwLock::new(Cached {
            generation: 0,
            entries: HashMap::new(),
        })
    }
}

/// Entries kept per cache at most; past it the cache starts over.
const CACHE_LIMIT: usize = 100_000;
/// Compiled resource policies kept at most (each up to 20 KiB of text).
const DOCUMENT_CACHE_LIMIT: usize = 10_000;

pub struct Directory {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    keyring: Arc<Keyring>,
    account_id: String,
    generation: AtomicU64,
    credentials: RwLock<Cached<Credentials>>,
    policies: RwLock<Cached<Arc<IdentityPolicies>>>,
    /// Resource, key and trust policies by their text.
    documents: RwLock<HashMap<String, Arc<CompiledPolicy>>>,
}

impl Directory {
    pub fn new(
        store: Arc<dyn Store>,
        keyring: Arc<Keyring>,
        clock: Arc<dyn Clock>,
        account_id: &str,
    ) -> Directory {
        Directory {
            store,
            clock,
            keyring,
            account_id: account_id.to_string(),
            generation: AtomicU64::new(1),
            credentials: Cached::new(),
            policies: Cached::new(),
            documents: RwLock::new(HashMap::new()),
        }
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// IAM changed: forget everything cached.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        for_each_clear(&self.credentials);
        for_each_clear(&self.policies);
    }

    /// The credentials with this access key id, if any are active. Unknown
    /// ids are not cached, so guessing ids cannot grow memory.
    pub async fn credentials(
        &self,
        access_key_id: &str,
    ) -> Result<Option<Credentials>, StoreError> {
        if let Some(c) = cached(&self.credentials, access_key_id) {
            return Ok(Some(c));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let id = access_key_id.to_string();
        let account = self.account_id.clone();
        let found = store::read(&*self.store, move |txn| {
            load_credentials(txn, &id, &account)
        })
        .await?;
        let Some((principal, wrapped, session)) = found else {
            return Ok(None);
        };
        let secret = self
            .keyring
            .unwrap_access_secret(access_key_id, &wrapped)
            .map_err(|e| StoreError(format!("access key {access_key_id}: {e}")))?;
        let credentials = Credentials {
            principal: Arc::new(principal),
            secret: Arc::new(secret),
            session,
        };
        remember(
            &self.credentials,
            generation,
            access_key_id,
            credentials.clone(),
        );
        Ok(Some(credentials))
    }

    /// The identity policies of a user or role (by unique id).
    pub async fn policies(&self, owner: &str) -> Result<Arc<IdentityPolicies>, StoreError> {
        if let Some(p) = cached(&self.policies, owner) {
            return Ok(p);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let id = owner.to_string();
        let policies =
            Arc::new(store::read(&*self.store, move |txn| load_policies(txn, &id)).await?);
        remember(&self.policies, generation, owner, Arc::clone(&policies));
        Ok(policies)
    }
}

impl Directory {
    /// A stored resource, key or trust policy, compiled once. Stored
    /// policies were validated when written, so an error here means the
    /// store holds something this build does not accept.
    pub fn compiled(&self, text: &str) -> Result<Arc<CompiledPolicy>, StoreError> {
        if let Some(d) = self
            .documents
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(text)
        {
            return Ok(Arc::clone(d));
        }
        let document = Arc::new(CompiledPolicy::new(&parse(text, "a resource")?));
        let mut documents = self.documents.write().unwrap_or_else(|p| p.into_inner());
        if documents.len() >= DOCUMENT_CACHE_LIMIT {
            documents.clear();
        }
        documents.insert(text.to_string(), Arc::clone(&document));
        Ok(document)
    }
}

fn for_each_clear<T>(cache: &RwLock<Cached<T>>) {
    cache
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .entries
        .clear();
}

fn cached<T: Clone>(cache: &RwLock<Cached<T>>, key: &str) -> Option<T> {
    cache
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .entries
        .get(key)
        .cloned()
}

fn remember<T>(cache: &RwLock<Cached<T>>, generation: u64, key: &str, value: T) {
    let mut cache = cache.write().unwrap_or_else(|p| p.into_inner());
    if cache.generation > generation {
        return;
    }
    if cache.generation < generation {
        cache.generation = generation;
        cache.entries.clear();
    }
    if cache.entries.len() >= CACHE_LIMIT {
        cache.entries.clear();
    }
    cache.entries.insert(key.to_string(), value);
}

type Loaded = (Principal, Vec<u8>, Option<SessionCheck>);

fn load_credentials(
    txn: &dyn ReadTxn,
    access_key_id: &str,
    account_id: &str,
) -> Result<Option<Loaded>, StoreError> {
    if let Some(session) = txn.sts_session(access_key_id)? {
        let stored: StoredSession = serde_json::from_str(&session.principal)
            .map_err(|e| StoreError(format!("STS session {access_key_id}: {e}")))?;
        let (principal, policy) = match stored {
            StoredSession::Role(role) => role_session(txn, role, account_id, access_key_id)?,
            StoredSession::User(user) => {
                let Some(mut principal) = user_principal(txn, user.user_id.as_deref(), account_id)?
                else {
                    return Ok(None);
                };
                principal.session_issued_ms = Some(user.issued_ms);
                (principal, None)
            }
        };
        let check = SessionCheck {
            token_hash: session.token_hash,
            expires_ms: session.expires,
            policy,
        };
        return Ok(Some((principal, session.wrapped_secret, Some(check))));
    }
    let Some(key) = txn.access_key(access_key_id)?.filter(|k| k.active) else {
        return Ok(None);
    };
    Ok(user_principal(txn, key.user_id.as_deref(), account_id)?
        .map(|principal| (principal, key.wrapped_secret, None)))
}

/// The root (`None`) or an IAM user, if it still exists.
fn user_principal(
    txn: &dyn ReadTxn,
    user_id: Option<&str>,
    account_id: &str,
) -> Result<Option<Principal>, StoreError> {
    let Some(user_id) = user_id else {
        return Ok(Some(Principal::root(account_id)));
    };
    let Some(row) = txn.iam_entity_by_id(user_id)? else {
        return Ok(None);
    };
    let user = Entity::<UserBody>::decode(row)?;
    Ok(Some(Principal {
        arn: user.arn,
        account_id: account_id.to_string(),
        kind: PrincipalKind::User {
            user_id: user.id,
            name: user.body.common.name,
        },
        tags: user.body.common.tags,
        session_issued_ms: None,
    }))
}

/// A role session's principal (the role's tags under the session's) and
/// its session policies, compiled.
fn role_session(
    txn: &dyn ReadTxn,
    role: RoleSession,
    account_id: &str,
    access_key_id: &str,
) -> Result<(Principal, Option<Arc<PolicySet>>), StoreError> {
    let policy = if role.session_policies.is_empty() {
        None
    } else {
        let mut set = PolicySet::new();
        for text in &role.session_policies {
            set.push(&parse(text, access_key_id)?);
        }
        Some(Arc::new(set))
    };
    let mut tags = match txn.iam_entity_by_id(&role.role_id)? {
        Some(row) => Entity::<RoleBody>::decode(row)?.body.common.tags,
        None => Vec::new(),
    };
    for (k, v) in &role.tags {
        tags.retain(|(old, _)| !old.eq_ignore_ascii_case(k));
        tags.push((k.clone(), v.clone()));
    }
    let principal = Principal {
        arn: session_arn(account_id, &role.role_name, &role.session_name),
        account_id: account_id.to_string(),
        session_issued_ms: Some(role.issued_ms),
        kind: PrincipalKind::AssumedRole(Arc::new(role)),
        tags,
    };
    Ok((principal, policy))
}

fn parse(text: &str, what: &str) -> Result<tresor_policy::PolicyDocument, StoreError> {
    tresor_policy::parse(text).map_err(|e| StoreError(format!("stored policy of {what}: {e}")))
}

/// Inline documents of `owner`, then its attached policies' default
/// versions; for a user, the same for each of its groups.
fn load_policies(txn: &dyn ReadTxn, owner: &str) -> Result<IdentityPolicies, StoreError> {
    let mut holders = vec![owner.to_string()];
    if owner.starts_with("AIDA") {
        holders.extend(txn.iam_links_to(entities::MEMBER, owner)?);
    }
    let mut documents = PolicySet::new();
    for holder in &holders {
        for doc in txn.iam_documents(holder)? {
            documents.push(&parse(&doc.document, holder)?);
        }
        for policy_id in txn.iam_links_from(entities::ATTACHED, holder)? {
            let Some(row) = txn.iam_entity_by_id(&policy_id)? else {
                continue;
            };
            let policy = Entity::<PolicyBody>::decode(row)?;
            if let Some(doc) = txn
                .iam_documents(&policy.id)?
                .into_iter()
                .find(|d| d.name == policy.body.default_version)
            {
                documents.push(&parse(&doc.document, &policy.arn)?);
            }
        }
    }
    Ok(IdentityPolicies { documents })
}

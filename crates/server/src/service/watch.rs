//! WaitForSecretChanges: Tresor's change feed (`TresorOperator.
//! WaitForSecretChanges`, signed like the operator actions). Each followed
//! secret is authorised as `secretsmanager:GetSecretValue` — a caller may
//! watch what it may read, nothing else — and the call returns as soon as
//! one of them changes after the cursor, or after `WaitSeconds`. Without a
//! cursor it returns at once with the current one (the watcher's start);
//! that call may name no secret at all — a cursor is only a position in
//! the feed (a count of changes), so it needs no authorisation beyond a
//! valid signature.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tresor_wire::{AwsError, ErrorCode};

use super::secret::resolve;
use super::{Ctx, Service};

/// The longest one call waits (and the default).
const MAX_WAIT_SECONDS: u64 = 60;
const DEFAULT_WAIT_SECONDS: u64 = 20;
/// Secrets one call may follow: a whole agent cache (1,000 by default).
const MAX_SECRETS: usize = 1_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct WaitForSecretChangesRequest {
    secret_ids: Vec<String>,
    cursor: Option<String>,
    wait_seconds: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitForSecretChangesResponse {
    cursor: String,
    /// The ARNs of the followed secrets that changed after the cursor.
    changed: Vec<String>,
}

pub async fn wait_for_secret_changes(
    svc: &Service,
    ctx: &Ctx,
    body: &[u8],
) -> Result<WaitForSecretChangesResponse, AwsError> {
    let invalid = |m: &str| AwsError::new(ErrorCode::ValidationException, m);
    let req: WaitForSecretChangesRequest = serde_json::from_slice(body).map_err(|_| {
        invalid("WaitForSecretChanges takes {\"SecretIds\": [...], \"Cursor\": \"…\", \"WaitSeconds\": n}.")
    })?;
    let may_be_empty = req.cursor.is_none();
    if (req.secret_ids.is_empty() && !may_be_empty) || req.secret_ids.len() > MAX_SECRETS {
        return Err(invalid(
            "SecretIds must name 1 to 1000 secrets (none only when asking for a cursor).",
        ));
    }
    let wait = req.wait_seconds.unwrap_or(DEFAULT_WAIT_SECONDS);
    if wait > MAX_WAIT_SECONDS {
        return Err(invalid("WaitSeconds must be at most 60."));
    }
    if req.secret_ids.is_empty() {
        // Only a position in the feed: like GetCallerIdentity, a valid
        // signature is all it takes.
        ctx.access.needs_no_permission();
    }
    let read = ctx.for_action("secretsmanager:GetSecretValue");
    let ids = req.secret_ids;
    let arns = svc
        .read(move |_, txn| {
            ids.iter()
                .map(|id| resolve(txn, &read, id).map(|row| row.arn))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let Some(cursor) = req.cursor else {
        return Ok(WaitForSecretChangesResponse {
            cursor: svc.changes.now(),
            changed: Vec::new(),
        });
    };
    let found = svc
        .changes
        .wait(&cursor, &arns, Duration::from_secs(wait))
        .await;
    Ok(WaitForSecretChangesResponse {
        cursor: found.cursor,
        changed: found.changed,
    })
}

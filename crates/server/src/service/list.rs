//! ListSecrets: filters, sort order and paging over a region's secrets.
//!
//! Read-after-write consistent (AWS is eventually consistent here; a
//! self-hosted server need not be). Secrets scheduled for deletion are left
//! out unless `IncludePlannedDeletion` is set.

use tresor_wire::AwsError;
use tresor_wire::dto::{ListSecretsRequest, ListSecretsResponse};

use super::describe::list_entry;
use super::filters::{FilterSubject, SecretFilters};
use super::secret::labels_of;
use super::{Ctx, Service, pagination};
use crate::authz::Resource;
use crate::store::{ReadTxn, SecretRow};

/// Page size when `MaxResults` is not given.
const DEFAULT_PAGE: usize = 100;

/// The region's secrets that pass `filters`, oldest first.
pub fn matching(
    txn: &dyn ReadTxn,
    ctx: &Ctx,
    filters: &SecretFilters,
    include_planned_deletion: bool,
) -> Result<Vec<SecretRow>, AwsError> {
    let candidates = match filters.name_prefixes() {
        Some(prefixes) => {
            let mut rows = Vec::new();
            for prefix in dedup_prefixes(prefixes) {
                rows.extend(txn.secrets_with_name_prefix(&ctx.region, prefix)?);
            }
            // Back to the store's order (the ranges were read one by one).
            rows.sort_by_key(|r| (r.created, r.id));
            rows
        }
        None => txn.secrets_in_region(&ctx.region)?,
    };
    Ok(candidates
        .into_iter()
        .filter(|row| include_planned_deletion || !row.is_scheduled_for_deletion())
        .filter(|row| filters.matches(&subject(row)))
        .collect())
}

/// The prefixes whose ranges cover the others' (`a/` covers `a/b`), so
/// that no secret is read twice.
fn dedup_prefixes(mut prefixes: Vec<&str>) -> Vec<&str> {
    prefixes.sort_unstable();
    let mut kept: Vec<&str> = Vec::with_capacity(prefixes.len());
    for prefix in prefixes {
        if !kept.last().is_some_and(|k| prefix.starts_with(k)) {
            kept.push(prefix);
        }
    }
    kept
}

fn subject(row: &SecretRow) -> FilterSubject<'_> {
    FilterSubject {
        name: &row.name,
        description: row.description.as_deref(),
        tags: row.tags.as_deref().unwrap_or(&[]),
        primary_region: row.primary_region.as_deref(),
        owning_service: row.owning_service.as_deref(),
    }
}

fn sort(rows: &mut [SecretRow], sort_by: Option<&str>, descending: bool) {
    match sort_by.unwrap_or("created-date") {
        "name" => rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id))),
        "last-changed-date" => rows.sort_by_key(|r| (r.last_changed, r.id)),
        "last-accessed-date" => rows.sort_by_key(|r| (r.last_accessed, r.id)),
        _ => rows.sort_by_key(|r| (r.created, r.id)),
    }
    if descending {
        rows.reverse();
    }
}

pub async fn list_secrets(
    svc: &Service,
    ctx: &Ctx,
    req: ListSecretsRequest,
) -> Result<ListSecretsResponse, AwsError> {
    let filters = SecretFilters::compile(req.filters.as_deref().unwrap_or(&[]))?;
    let offset = pagination::decode(req.next_token.as_deref())?;
    let max = req.max_results.map_or(DEFAULT_PAGE, |m| m.max(1) as usize);
    // ListSecrets lists every secret to whoever may list (as on AWS).
    ctx.check(Resource::any())?;
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let mut rows = matching(
            txn,
            &ctx,
            &filters,
            req.include_planned_deletion.unwrap_or(false),
        )?;
        sort(
            &mut rows,
            req.sort_by.as_deref(),
            req.sort_order.as_deref() == Some("desc"),
        );
        let (page, next_token) = pagination::page(rows, offset, max);
        let mut secret_list = Vec::with_capacity(page.len());
        for row in &page {
            let labels = labels_of(&txn.versions(row.id)?);
            secret_list.push(list_entry(row, &labels));
        }
        Ok(ListSecretsResponse {
            secret_list: Some(secret_list),
            next_token,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn covered_prefixes_are_read_once() {
        assert_eq!(
            super::dedup_prefixes(vec!["a/b", "b", "a/", "a/c", "b"]),
            vec!["a/", "b"]
        );
        assert_eq!(super::dedup_prefixes(vec!["", "x"]), vec![""]);
    }
}

//! KMS list paging: `Limit`, `Marker` → `NextMarker`, `Truncated`.

use tresor_wire::{AwsError, ErrorCode};

use crate::service::pagination;

/// One page of `items` after `marker`, at most `limit` (default `default`),
/// and the marker of the next page.
pub fn page<T>(
    items: Vec<T>,
    marker: Option<&str>,
    limit: Option<i32>,
    default: usize,
) -> Result<(Vec<T>, Option<String>), AwsError> {
    let offset = pagination::decode(marker).map_err(|_| {
        AwsError::new(
            ErrorCode::InvalidMarkerException,
            "The request contained an invalid marker value.",
        )
    })?;
    let limit = limit.map_or(default, |l| l.max(1) as usize);
    Ok(pagination::page(items, offset, limit))
}

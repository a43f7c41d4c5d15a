//! IAM list paging: `Marker` and `MaxItems` in, `IsTruncated` and
//! `Marker` out.
//!
//! Items are listed in the order of a sort key (a lowercased name, a
//! zero-padded version number, …) that is unique within the list. The
//! marker is the key of the last item returned, base64url-encoded behind a
//! format tag: opaque to the client, and stable when items are added or
//! removed between pages (the next page starts after that key, not at an
//! offset). Anything Tresor did not issue is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tresor_wire::AwsError;

use super::errors;

const TAG: &str = "tresor-iam-page-v1:";
/// IAM's default page size.
const DEFAULT_MAX_ITEMS: usize = 100;

/// One page of a list.
pub struct Page<T> {
    pub items: Vec<T>,
    pub is_truncated: bool,
    pub marker: Option<String>,
}

fn encode(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TAG}{key}"))
}

fn decode(marker: &str) -> Result<String, AwsError> {
    URL_SAFE_NO_PAD
        .decode(marker)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(TAG).map(str::to_string))
        .ok_or_else(|| errors::invalid_input("The specified value for marker is invalid."))
}

/// The page of `items` (sort key, item) after `marker`, at most `max_items`
/// (default 100). The keys need not arrive sorted; they must be unique.
pub fn page<T>(
    mut items: Vec<(String, T)>,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<Page<T>, AwsError> {
    let after = marker.map(decode).transpose()?;
    let max = max_items.map_or(DEFAULT_MAX_ITEMS, |m| m.max(1) as usize);
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let mut rest = items
        .into_iter()
        .filter(|(key, _)| after.as_ref().is_none_or(|after| key > after))
        .peekable();
    let mut page = Vec::new();
    let mut last = None;
    while page.len() < max {
        let Some((key, item)) = rest.next() else {
            break;
        };
        page.push(item);
        last = Some(key);
    }
    let is_truncated = rest.peek().is_some();
    Ok(Page {
        items: page,
        is_truncated,
        marker: if is_truncated {
            last.as_deref().map(encode)
        } else {
            None
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), n.to_string()))
            .collect()
    }

    #[test]
    fn pages_follow_the_keys_and_end_untruncated() {
        let all = keyed(&["c", "a", "b"]);
        let first = page(all.clone(), None, Some(2)).unwrap();
        assert_eq!(first.items, vec!["a", "b"]);
        assert!(first.is_truncated);
        let second = page(all.clone(), first.marker.as_deref(), Some(2)).unwrap();
        assert_eq!(second.items, vec!["c"]);
        assert!(!second.is_truncated);
        assert!(second.marker.is_none());

        // An item added before the marker does not shift the next page.
        let grown = keyed(&["c", "a", "b", "aa"]);
        let again = page(grown, first.marker.as_deref(), Some(2)).unwrap();
        assert_eq!(again.items, vec!["c"]);

        let whole = page(all, None, None).unwrap();
        assert_eq!(whole.items.len(), 3);
        assert!(!whole.is_truncated);
    }

    #[test]
    fn foreign_markers_are_refused() {
        for bad in ["", "!!", "bm90IGEgbWFya2Vy"] {
            assert_eq!(
                page(keyed(&["a"]), Some(bad), None).err().unwrap().code,
                tresor_wire::ErrorCode::InvalidInput,
                "{bad}"
            );
        }
    }
}

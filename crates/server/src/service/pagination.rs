//! Opaque `NextToken`s for the list operations.
//!
//! A token is the offset of the next item, base64-encoded with a format tag
//! so that anything we did not issue is rejected as
//! `InvalidNextTokenException`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tresor_wire::AwsError;

use super::errors;

const TAG: &str = "tresor-page-v1:";

pub fn encode(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TAG}{offset}"))
}

pub fn decode(token: Option<&str>) -> Result<usize, AwsError> {
    let Some(token) = token else {
        return Ok(0);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| errors::invalid_next_token())?;
    std::str::from_utf8(&bytes)
        .ok()
        .and_then(|s| s.strip_prefix(TAG))
        .and_then(|n| n.parse().ok())
        .ok_or_else(errors::invalid_next_token)
}

/// One page of `items` from `offset`, and the token for the next page.
pub fn page<T>(items: Vec<T>, offset: usize, max: usize) -> (Vec<T>, Option<String>) {
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(offset).take(max).collect();
    let next = offset.saturating_add(max);
    let token = (next < total).then(|| encode(next));
    (page, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_rejected() {
        assert_eq!(decode(Some(&encode(42))).unwrap(), 42);
        assert_eq!(decode(None).unwrap(), 0);
        for bad in [
            "",
            "!!!",
            "bm90IGEgdG9rZW4",
            &URL_SAFE_NO_PAD.encode("tresor-page-v1:x"),
        ] {
            assert_eq!(
                decode(Some(bad)).unwrap_err().code,
                tresor_wire::ErrorCode::InvalidNextTokenException,
                "{bad}"
            );
        }
    }

    #[test]
    fn pages() {
        let (p, t) = page((0..5).collect(), 0, 2);
        assert_eq!(p, vec![0, 1]);
        let (p, t) = page((0..5).collect(), decode(t.as_deref()).unwrap(), 2);
        assert_eq!(p, vec![2, 3]);
        let (p, t) = page((0..5).collect::<Vec<_>>(), decode(t.as_deref()).unwrap(), 2);
        assert_eq!(p, vec![4]);
        assert!(t.is_none());
    }
}

//! The clock window (S5): a request is accepted only while its `X-Amz-Date`
//! is within `skew` seconds of the server's clock, in either direction.
//!
//! Owns the window check and AWS's two messages for it. The clock itself is
//! the caller's (this crate does no I/O), so tests can pin it.

use super::amz_date::AmzDate;
use super::errors::invalid;
use crate::error::AwsError;

/// Accepts `date` iff `now - skew <= date <= now + skew`. Outside, answers
/// AWS's `InvalidSignatureException` texts, e.g.
/// `Signature expired: 20251105T220858Z is now earlier than 20251106T132108Z (20251106T132608Z - 5 min.)`.
pub fn check_clock(date: &AmzDate, now_epoch_secs: i64, skew_secs: i64) -> Result<(), AwsError> {
    let skew = skew_secs.max(0);
    let t = date.epoch_seconds();
    let earliest = now_epoch_secs.saturating_sub(skew);
    let latest = now_epoch_secs.saturating_add(skew);
    if t < earliest {
        return Err(invalid(format!(
            "Signature expired: {} is now earlier than {} ({} - {}.)",
            date.as_str(),
            render(earliest),
            render(now_epoch_secs),
            render_skew(skew)
        )));
    }
    if t > latest {
        return Err(invalid(format!(
            "Signature not yet current: {} is still later than {} ({} + {}.)",
            date.as_str(),
            render(latest),
            render(now_epoch_secs),
            render_skew(skew)
        )));
    }
    Ok(())
}

/// An instant as `X-Amz-Date` text; a server clock outside the years
/// 0000–9999 is not something to format, so it prints as seconds.
fn render(epoch: i64) -> String {
    AmzDate::from_epoch_seconds(epoch).map_or_else(|| epoch.to_string(), |d| d.as_str().to_owned())
}

/// AWS prints `5 min`; a window that is not whole minutes prints seconds.
fn render_skew(skew: i64) -> String {
    if skew % 60 == 0 {
        format!("{} min", skew / 60)
    } else {
        format!("{skew} sec")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn at(text: &str) -> AmzDate {
        AmzDate::parse(text).unwrap()
    }

    #[test]
    fn aws_expired_message() {
        let now = at("20251106T132608Z").epoch_seconds();
        let e = check_clock(&at("20251105T220858Z"), now, 300).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignatureException);
        assert_eq!(
            e.message,
            "Signature expired: 20251105T220858Z is now earlier than 20251106T132108Z (20251106T132608Z - 5 min.)"
        );
    }

    #[test]
    fn aws_not_yet_current_message() {
        let now = at("20251106T132608Z").epoch_seconds();
        let e = check_clock(&at("20251106T140000Z"), now, 900).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignatureException);
        assert_eq!(
            e.message,
            "Signature not yet current: 20251106T140000Z is still later than 20251106T134108Z (20251106T132608Z + 15 min.)"
        );
    }

    #[test]
    fn window_edges_in_both_directions() {
        let now = at("20260101T000000Z").epoch_seconds();
        for skew in [300, 900, 61] {
            for (offset, ok) in [
                (0, true),
                (skew - 1, true),
                (-(skew - 1), true),
                (skew, true),
                (-skew, true),
                (skew + 1, false),
                (-(skew + 1), false),
            ] {
                let date = AmzDate::from_epoch_seconds(now + offset).unwrap();
                assert_eq!(
                    check_clock(&date, now, skew).is_ok(),
                    ok,
                    "skew {skew} offset {offset}"
                );
            }
        }
        let e = check_clock(&AmzDate::from_epoch_seconds(now - 62).unwrap(), now, 61).unwrap_err();
        assert!(
            e.message.ends_with("(20260101T000000Z - 61 sec.)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn crosses_midnight_and_year() {
        let now = at("20251231T235800Z").epoch_seconds();
        assert!(check_clock(&at("20260101T000259Z"), now, 300).is_ok());
        let e = check_clock(&at("20260101T000301Z"), now, 300).unwrap_err();
        assert_eq!(
            e.message,
            "Signature not yet current: 20260101T000301Z is still later than 20260101T000300Z (20251231T235800Z + 5 min.)"
        );
    }
}

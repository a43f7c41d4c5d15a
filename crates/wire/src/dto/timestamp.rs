//! Timestamps on the wire: epoch seconds as a JSON number (awsJson), ISO 8601
//! text in UTC (awsQuery form fields and XML).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sigv4::amz_date::{civil_from_days, days_from_civil, days_in_month};

/// A point in time with millisecond precision (what Tresor stores).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// `2018-04-11T20:05:45Z`, or `2018-04-11T20:05:45.713Z` when there are
    /// milliseconds: what IAM and STS send and botocore parses.
    pub fn to_iso8601(self) -> String {
        let seconds = self.0.div_euclid(1000);
        let millis = self.0.rem_euclid(1000);
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        let secs = seconds.rem_euclid(86_400);
        let mut text = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        );
        if millis != 0 {
            text.push_str(&format!(".{millis:03}"));
        }
        text.push('Z');
        text
    }

    /// Parses ISO 8601 extended format with a zone, as botocore sends
    /// timestamps in a form: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    /// Fractions beyond milliseconds are truncated. Anything else is `None`.
    pub fn parse_iso8601(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let number = |from: usize, to: usize| -> Option<i64> {
            b[from..to].iter().try_fold(0i64, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
            })
        };
        let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
        let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
        let (month, day) = (u32::try_from(month).ok()?, u32::try_from(day).ok()?);
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year as u32, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let mut rest = &text[19..];
        let mut millis = 0i64;
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            for (i, c) in fraction
                .bytes()
                .take(3)
                .enumerate()
                .filter(|(i, _)| *i < digits)
            {
                millis += i64::from(c - b'0') * [100, 10, 1][i];
            }
            rest = &fraction[digits..];
        }
        let offset_minutes = match rest.as_bytes() {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let [h1, h2, m1, m2] = digits.map(|d| i64::from(d - b'0'));
                let (hours, minutes) = (h1 * 10 + h2, m1 * 10 + m2);
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let total = hours * 60 + minutes;
                if *sign == b'-' { -total } else { total }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
        Some(Timestamp(seconds * 1000 + millis))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 1000 == 0 {
            // Whole seconds print as an integer, as AWS does.
            s.serialize_i64(self.0 / 1000)
        } else {
            s.serialize_f64(self.0 as f64 / 1000.0)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let seconds = f64::deserialize(d)?;
        Ok(Timestamp((seconds * 1000.0).round() as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_epoch_seconds() {
        assert_eq!(
            serde_json::to_string(&Timestamp(1_523_477_145_713)).unwrap(),
            "1523477145.713"
        );
        assert_eq!(
            serde_json::to_string(&Timestamp(1_700_000_000_000)).unwrap(),
            "1700000000"
        );
        let t: Timestamp = serde_json::from_str("1.523477145713E9").unwrap();
        assert_eq!(t, Timestamp(1_523_477_145_713));
    }

    #[test]
    fn iso8601_round_trips() {
        for (millis, text) in [
            (1_523_477_145_713, "2018-04-11T20:05:45.713Z"),
            (1_700_000_000_000, "2023-11-14T22:13:20Z"),
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (951_782_400_000, "2000-02-29T00:00:00Z"),
        ] {
            assert_eq!(Timestamp(millis).to_iso8601(), text);
            assert_eq!(Timestamp::parse_iso8601(text), Some(Timestamp(millis)));
        }
    }

    #[test]
    fn iso8601_parsing_is_strict_about_form_but_takes_zones() {
        let at = |s| Timestamp::parse_iso8601(s).map(Timestamp::millis);
        assert_eq!(at("2023-11-14T23:13:20+01:00"), Some(1_700_000_000_000));
        assert_eq!(at("2023-11-14T21:13:20-01:00"), Some(1_700_000_000_000));
        assert_eq!(at("2023-11-14T22:13:20.123456Z"), Some(1_700_000_000_123));
        assert_eq!(at("2023-11-14T22:13:20.5Z"), Some(1_700_000_000_500));
        for bad in [
            "2023-11-14T22:13:20",
            "2023-11-14 22:13:20Z",
            "2023-02-29T00:00:00Z",
            "2023-11-14T24:00:00Z",
            "2023-11-14T22:13:20.Z",
            "2023-11-14T22:13:20+0100",
            "2023-11-14T22:13:20ZZ",
            "20231114T221320Z",
            "1700000000",
            "",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }
}

//! `X-Amz-Date`: the basic ISO 8601 timestamp SigV4 signs
//! (`YYYYMMDD'T'HHMMSS'Z'`, UTC), parsed strictly and rendered from epoch
//! seconds. Owns the calendar arithmetic and nothing else.
//!
//! The `Date` header fallback that some AWS services accept is deliberately
//! not supported (S19): one timestamp source means the signed time and the
//! checked time can never be two different headers.

use std::fmt;

/// A parsed `X-Amz-Date` (always 16 ASCII characters, a valid UTC instant in
/// the years 0000–9999; leap seconds are refused).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AmzDate {
    text: String,
    epoch: i64,
}

impl AmzDate {
    /// Parses `YYYYMMDDTHHMMSSZ`. Anything else (extended format, a zone
    /// other than `Z`, fractions, out-of-range fields) is `None`.
    pub fn parse(s: &str) -> Option<AmzDate> {
        let b = s.as_bytes();
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return None;
        }
        let digits = |from: usize, to: usize| -> Option<u32> {
            b[from..to].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let year = digits(0, 4)?;
        let month = digits(4, 6)?;
        let day = digits(6, 8)?;
        let hour = digits(9, 11)?;
        let minute = digits(11, 13)?;
        let second = digits(13, 15)?;
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = days_from_civil(i64::from(year), month, day);
        let epoch =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        Some(AmzDate {
            text: s.to_owned(),
            epoch,
        })
    }

    /// Renders an instant; `None` outside the years 0000–9999, which the
    /// four-digit format cannot express.
    pub fn from_epoch_seconds(epoch: i64) -> Option<AmzDate> {
        const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
        const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
        if !(MIN..=MAX).contains(&epoch) {
            return None;
        }
        let days = epoch.div_euclid(86_400);
        let secs = epoch.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let text = format!(
            "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        );
        Some(AmzDate { text, epoch })
    }

    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    pub fn epoch_seconds(&self) -> i64 {
        self.epoch
    }

    /// The timestamp exactly as sent, e.g. `20150830T123600Z`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The date part, `YYYYMMDD`: what the credential scope must carry.
    pub fn date(&self) -> &str {
        &self.text[..8]
    }
}

impl fmt::Debug for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AmzDate({})", self.text)
    }
}

impl fmt::Display for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date. Counts in 400-year
/// eras starting on 1 March, so the leap day is the last day of a year.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Both fit: day is 1..=31 and month 1..=12 by construction.
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_instants() {
        // Reference values from `date -u -d ... +%s`.
        for (text, epoch) in [
            ("20150830T123600Z", 1_440_938_160),
            ("19700101T000000Z", 0),
            ("19691231T235959Z", -1),
            ("20000229T235959Z", 951_868_799),
            ("99991231T235959Z", 253_402_300_799),
            ("00000101T000000Z", -62_167_219_200),
        ] {
            let d = AmzDate::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(d.epoch_seconds(), epoch, "{text}");
            assert_eq!(d.as_str(), text);
            assert_eq!(d.date(), &text[..8]);
            assert_eq!(AmzDate::from_epoch_seconds(epoch), Some(d));
        }
    }

    #[test]
    fn rejects_everything_but_basic_format() {
        for bad in [
            "",
            "20150830T123600",
            "20150830T123600z",
            "20150830t123600Z",
            "2015-08-30T12:36:00Z",
            "20150830T123600.5Z",
            "20150830 123600Z",
            "+0150830T123600Z",
            "2015083OT123600Z",
            "20151330T123600Z",
            "20150800T123600Z",
            "20150229T000000Z", // 2015 is not a leap year
            "19000229T000000Z", // nor is 1900
            "20150431T000000Z",
            "20150830T243600Z",
            "20150830T126000Z",
            "20150830T123660Z", // no leap seconds
            "20150830T123600Z ",
            "٢٠١٥0830T123600Z",
        ] {
            assert_eq!(AmzDate::parse(bad), None, "{bad:?}");
        }
        assert!(AmzDate::parse("20000229T000000Z").is_some());
        assert!(AmzDate::parse("20240229T000000Z").is_some());
    }

    #[test]
    fn rendering_round_trips_across_the_range() {
        let mut t = -62_167_219_200i64;
        while t <= 253_402_300_799 {
            let d = AmzDate::from_epoch_seconds(t).unwrap();
            let back = AmzDate::parse(d.as_str()).unwrap();
            assert_eq!(back.epoch_seconds(), t, "{}", d.as_str());
            t += 86_400 * 7 + 3_601;
        }
        assert_eq!(AmzDate::from_epoch_seconds(-62_167_219_201), None);
        assert_eq!(AmzDate::from_epoch_seconds(253_402_300_800), None);
    }

    #[test]
    fn every_day_of_a_leap_cycle_round_trips() {
        // 400 years × 366 covers every (month, day, leap) combination.
        let start = AmzDate::parse("19000101T000000Z").unwrap().epoch_seconds();
        for day in 0..146_097 {
            let t = start + day * 86_400 + 43_199;
            let d = AmzDate::from_epoch_seconds(t).unwrap();
            assert_eq!(AmzDate::parse(d.as_str()).unwrap().epoch_seconds(), t);
        }
    }
}

//! `Date*` condition values: the W3C profile of ISO 8601, or epoch seconds.
//!
//! IAM: "You must specify date/time values with one of the W3C
//! implementations of the ISO 8601 date formats or in epoch (UNIX) time"
//! (<https://www.w3.org/TR/NOTE-datetime>). Owns that grammar and the
//! conversion to an instant, for write-time checks now and comparisons in
//! the evaluator later. Accepted forms:
//!
//! * `1563278400` — digits only: epoch seconds. (So the W3C year-only form
//!   `YYYY` is read as epoch seconds; a year alone is never a useful bound.)
//! * `YYYY-MM` and `YYYY-MM-DD` — midnight UTC at the start of that month or
//!   day;
//! * `YYYY-MM-DDThh:mmTZD`, `YYYY-MM-DDThh:mm:ssTZD`,
//!   `YYYY-MM-DDThh:mm:ss.sTZD` (one or more fraction digits, kept to the
//!   nanosecond), where `TZD` is `Z`, `+hh:mm` or `-hh:mm` and is required,
//!   as the W3C profile requires it.
//!
//! Fields are range-checked (month 1–12, the day exists in that month, hour
//! 0–23, minute and second 0–59).

/// An instant, as seconds and nanoseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

impl Timestamp {
    /// Seconds since the epoch (negative before 1970).
    pub fn secs(&self) -> i64 {
        self.secs
    }

    /// Nanoseconds within the second, 0–999,999,999.
    pub fn nanos(&self) -> u32 {
        self.nanos
    }

    /// Parses a `Date*` condition value; `None` if it is in no accepted form.
    pub fn parse(text: &str) -> Option<Timestamp> {
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Timestamp {
                secs: text.parse().ok()?,
                nanos: 0,
            });
        }
        let mut cur = Cursor(text.as_bytes());
        let year = i64::from(cur.digits(4)?);
        cur.expect(b'-')?;
        let month = cur.digits(2)?;
        let has_day = cur.eat(b'-');
        let day = if has_day { cur.digits(2)? } else { 1 };
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        let date_secs = days_from_civil(year, month, day) * 86_400;
        if cur.is_empty() {
            return Some(Timestamp {
                secs: date_secs,
                nanos: 0,
            });
        }
        if !has_day {
            // `YYYY-MM` followed by a time is no W3C form.
            return None;
        }
        cur.expect(b'T')?;
        let hour = cur.digits(2)?;
        cur.expect(b':')?;
        let minute = cur.digits(2)?;
        let (second, nanos) = if cur.eat(b':') {
            let second = cur.digits(2)?;
            let nanos = if cur.eat(b'.') { cur.fraction()? } else { 0 };
            (second, nanos)
        } else {
            (0, 0)
        };
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let offset = cur.zone()?;
        if !cur.is_empty() {
            return None;
        }
        let secs = date_secs + i64::from(hour * 3600 + minute * 60 + second) - offset;
        Some(Timestamp { secs, nanos })
    }
}

/// A read position over ASCII bytes.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.0.first() == Some(&byte) {
            self.0 = &self.0[1..];
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Exactly `n` decimal digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let field = self.0.get(..n)?;
        if !field.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.0 = &self.0[n..];
        Some(
            field
                .iter()
                .fold(0, |acc, b| acc * 10 + u32::from(b - b'0')),
        )
    }

    /// One or more fraction digits, as nanoseconds (digits past the ninth
    /// are dropped).
    fn fraction(&mut self) -> Option<u32> {
        let len = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        let mut nanos = 0;
        for i in 0..9 {
            let digit = self.0.get(i).filter(|_| i < len).map_or(0, |b| b - b'0');
            nanos = nanos * 10 + u32::from(digit);
        }
        self.0 = &self.0[len..];
        Some(nanos)
    }

    /// `Z`, `+hh:mm` or `-hh:mm`, as seconds east of UTC.
    fn zone(&mut self) -> Option<i64> {
        if self.eat(b'Z') {
            return Some(0);
        }
        let sign = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return None;
        };
        let hours = self.digits(2)?;
        self.expect(b':')?;
        let minutes = self.digits(2)?;
        if hours > 23 || minutes > 59 {
            return None;
        }
        Some(sign * i64::from(hours * 3600 + minutes * 60))
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date. Counts in
/// 400-year eras (146,097 days each) with years starting in March, so the
/// leap day falls at the end of the counted year.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> i64 {
        Timestamp::parse(text)
            .unwrap_or_else(|| panic!("{text}"))
            .secs()
    }

    #[test]
    fn accepted_forms() {
        assert_eq!(secs("1970-01-01T00:00:00Z"), 0);
        assert_eq!(secs("1563278400"), 1_563_278_400);
        assert_eq!(secs("2019-07-16T12:00:00Z"), 1_563_278_400);
        assert_eq!(secs("2019-07-16T12:00Z"), 1_563_278_400);
        assert_eq!(secs("2019-07-16T14:00:00+02:00"), 1_563_278_400);
        assert_eq!(secs("2019-07-16T07:30:00-04:30"), 1_563_278_400);
        assert_eq!(secs("2019-07-16"), 1_563_235_200);
        assert_eq!(secs("2019-07"), 1_561_939_200);
        assert_eq!(secs("2000-02-29"), 951_782_400);
        assert_eq!(secs("1969-12-31T23:59:59Z"), -1);
        let t = Timestamp::parse("2020-01-01T00:00:01.5Z").unwrap();
        assert_eq!((t.secs(), t.nanos()), (1_577_836_801, 500_000_000));
        let t = Timestamp::parse("2020-01-01T00:00:01.1234567891Z").unwrap();
        assert_eq!(t.nanos(), 123_456_789);
    }

    #[test]
    fn ordering_follows_time() {
        let a = Timestamp::parse("2020-01-01T00:00:00Z").unwrap();
        let b = Timestamp::parse("2020-01-01T00:00:00.001Z").unwrap();
        let c = Timestamp::parse("2020-01-01T01:00:00+02:00").unwrap();
        assert!(c < a && a < b);
    }

    #[test]
    fn rejected_forms() {
        for bad in [
            "",
            "-1",
            "1.5",
            "2019-7-16",
            "2019-07-16T12:00:00",
            "2019-07-16T12Z",
            "2019-07-16 12:00:00Z",
            "2019-07-16t12:00:00z",
            "2019-13-01",
            "2019-00-01",
            "2019-02-29",
            "1900-02-29",
            "2019-04-31",
            "2019-07-16T24:00:00Z",
            "2019-07-16T12:60:00Z",
            "2019-07-16T12:00:60Z",
            "2019-07-16T12:00:00.Z",
            "2019-07-16T12:00:00+0200",
            "2019-07-16T12:00:00+24:00",
            "2019-07T12:00Z",
            "2019-07-16T12:00:00Zjunk",
            "tomorrow",
            "2019-07-16T12:00:00*",
            "99999999999999999999999",
        ] {
            assert!(Timestamp::parse(bad).is_none(), "{bad}");
        }
    }
}

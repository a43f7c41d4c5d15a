//! Timestamps as awsJson sends them: epoch seconds, as a JSON number.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time with millisecond precision (what Tresor stores).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
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
}

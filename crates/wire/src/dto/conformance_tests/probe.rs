//! Reads a DTO's members off its derived `Deserialize`: the names serde
//! accepts (renames applied) and which members are `Option`s. The DTO is
//! never given a value; the probe only records how it asks for one.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

/// Each member name a derived `Deserialize` accepts (renames applied), and
/// whether its Rust type is an `Option`. serde hands the names to
/// `deserialize_struct`, and deserialises an `Option` member through
/// `deserialize_option`; `Probe` records both and stops.
pub(super) fn members<T: DeserializeOwned>() -> Vec<(&'static str, bool)> {
    let names = match T::deserialize(Probe { member: None }) {
        Err(ProbeResult::Members(names)) => names,
        Ok(_) => unreachable_probe(),
        Err(e) => panic!("not a plain struct: {e}"),
    };
    (0..names.len())
        .map(|i| match T::deserialize(Probe { member: Some(i) }) {
            Err(ProbeResult::Optional) => (names[i], true),
            Err(ProbeResult::Plain) => (names[i], false),
            Ok(_) => unreachable_probe(),
            Err(e) => panic!("member {}: {e}", names[i]),
        })
        .collect()
}

fn unreachable_probe() -> ! {
    panic!("a probe never yields a value")
}

/// Asked for a struct: reports its member names, or feeds it the one member
/// `member` and reports how that member's value is deserialised.
struct Probe {
    member: Option<usize>,
}

#[derive(Debug)]
enum ProbeResult {
    Members(&'static [&'static str]),
    Optional,
    Plain,
    Other(String),
}

impl fmt::Display for ProbeResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeResult::Other(message) => f.write_str(message),
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::error::Error for ProbeResult {}

impl de::Error for ProbeResult {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ProbeResult::Other(msg.to_string())
    }
}

impl<'de> Deserializer<'de> for Probe {
    type Error = ProbeResult;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeResult> {
        Err(ProbeResult::Other("asked for something else".into()))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeResult> {
        match self.member {
            None => Err(ProbeResult::Members(fields)),
            Some(i) => visitor.visit_map(OneMember {
                name: Some(fields[i]),
            }),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// A map holding one member whose value only reports how it is asked for.
struct OneMember {
    name: Option<&'static str>,
}

impl<'de> de::MapAccess<'de> for OneMember {
    type Error = ProbeResult;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ProbeResult> {
        match self.name.take() {
            Some(name) => seed
                .deserialize(de::IntoDeserializer::into_deserializer(name))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, ProbeResult> {
        seed.deserialize(ValueKind)
    }
}

struct ValueKind;

impl<'de> Deserializer<'de> for ValueKind {
    type Error = ProbeResult;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeResult> {
        Err(ProbeResult::Plain)
    }

    fn deserialize_option<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeResult> {
        Err(ProbeResult::Optional)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any struct
    }
}

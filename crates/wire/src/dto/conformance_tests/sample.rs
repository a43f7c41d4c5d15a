//! Values built from a service model: a fully populated sample of a
//! structure, and the values each shape must refuse or carry unchanged.

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::model::{Model, Shape, ShapeKind};

/// A JSON value with every member populated, and the places the checks visit.
pub(super) struct Sample {
    pub(super) value: Value,
    /// Every value below the root: its JSON pointer and its shape.
    pub(super) nodes: Vec<(String, &'static Shape)>,
    /// Every structure member: (pointer of its structure, member, required).
    pub(super) members: Vec<(String, String, bool)>,
    /// Texts of sensitive values, which no `Debug` output may contain.
    pub(super) secrets: Vec<String>,
}

/// A sample of `shape`, a structure of `model`.
pub(super) fn sample(model: &'static Model, shape: &'static Shape) -> Sample {
    let mut sample = Sample {
        value: Value::Null,
        nodes: Vec::new(),
        members: Vec::new(),
        secrets: Vec::new(),
    };
    sample.value = sample.build(model, shape, "", "");
    sample
}

impl Sample {
    fn build(
        &mut self,
        model: &'static Model,
        shape: &'static Shape,
        hint: &str,
        at: &str,
    ) -> Value {
        let value = match &shape.kind {
            ShapeKind::Structure { members, required } => {
                let mut object = Map::new();
                for (member, target) in members {
                    let child = pointer(at, member);
                    let value = self.build(model, model.shape(target), member, &child);
                    self.members
                        .push((at.to_string(), member.clone(), required.contains(member)));
                    object.insert(member.clone(), value);
                }
                Value::Object(object)
            }
            ShapeKind::String { .. } => {
                let s = sample_string(shape, hint);
                if shape.sensitive {
                    self.secrets.push(s.clone());
                }
                Value::String(s)
            }
            ShapeKind::Integer { min, max } | ShapeKind::Long { min, max } => {
                json!(7.clamp(min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX)))
            }
            ShapeKind::Boolean => json!(true),
            ShapeKind::Blob { min, max } => {
                let bytes = format!("{hint} sample bytes").into_bytes();
                let len = bytes.len() as i64;
                assert!(min.is_none_or(|m| len >= m) && max.is_none_or(|m| len <= m));
                let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
                if shape.sensitive {
                    let listed = format!("{bytes:?}");
                    self.secrets.push(String::from_utf8(bytes).expect("ASCII"));
                    self.secrets.push(encoded.clone());
                    self.secrets
                        .push(listed.trim_matches(['[', ']']).to_string());
                }
                Value::String(encoded)
            }
            // Fractional on purpose: AWS sends millisecond fractions.
            ShapeKind::Timestamp => json!(1_523_477_145.713),
            ShapeKind::List { member, min, max } => {
                assert!(min.unwrap_or(0) <= 1 && max.unwrap_or(1) >= 1);
                let item = self.build(model, model.shape(member), hint, &pointer(at, "0"));
                json!([item])
            }
            ShapeKind::Map {
                key,
                value,
                min,
                max,
            } => {
                assert!(min.unwrap_or(0) <= 1 && max.unwrap_or(1) >= 1);
                let key = sample_string(model.shape(key), &format!("{hint}Key"));
                let value = self.build(model, model.shape(value), hint, &pointer(at, &key));
                let mut object = Map::new();
                object.insert(key, value);
                Value::Object(object)
            }
        };
        if !at.is_empty() {
            self.nodes.push((at.to_string(), shape));
        }
        value
    }
}

/// A JSON pointer (RFC 6901) one step below `parent`.
fn pointer(parent: &str, token: &str) -> String {
    format!("{parent}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// A valid value for a string shape. Derived from the member name where the
/// constraints allow, so that values are distinctive (the `Debug` check
/// searches for them); otherwise the first fixed candidate that fits: a
/// region, a rotation duration, lower-case hex of the minimum length (KMS key
/// material ids), a CloudHSM cluster id, an IAM path, a policy version id.
fn sample_string(shape: &Shape, hint: &str) -> String {
    if let ShapeKind::String {
        enumeration: Some(values),
        ..
    } = &shape.kind
    {
        return values[0].clone();
    }
    let ShapeKind::String { min, .. } = &shape.kind else {
        panic!("{} is not a string shape", shape.name);
    };
    let mut distinctive = format!("{hint}Value");
    while (distinctive.len() as i64) < min.unwrap_or(0) {
        distinctive.push('x');
    }
    let hex = "0123456789abcdef"
        .chars()
        .cycle()
        .take(min.unwrap_or(1).max(1) as usize)
        .collect();
    [
        distinctive,
        "us-east-1".into(),
        "24h".into(),
        hex,
        "cluster-234567abcdef".into(),
        // IAM paths and policy version ids.
        "/".into(),
        "v1".into(),
    ]
    .into_iter()
    .find(|s| string_fits(shape, s))
    .unwrap_or_else(|| panic!("no sample fits string shape {}: add one", shape.name))
}

/// Whether `s` meets every constraint of a string shape.
fn string_fits(shape: &Shape, s: &str) -> bool {
    let ShapeKind::String {
        min,
        max,
        pattern,
        enumeration,
    } = &shape.kind
    else {
        return false;
    };
    let len = s.encode_utf16().count() as i64;
    min.is_none_or(|m| len >= m)
        && max.is_none_or(|m| len <= m)
        && pattern.as_ref().is_none_or(|p| p.is_match(s))
        && enumeration
            .as_ref()
            .is_none_or(|e| e.iter().any(|v| v == s))
}

/// Values of the wrong JSON type (or width) for a shape: a DTO must refuse
/// them, which proves its member is typed as the model says.
pub(super) fn wrong_values(shape: &Shape) -> Vec<Value> {
    match &shape.kind {
        // A derived struct also accepts a JSON array of its fields, so the
        // probe is a string.
        ShapeKind::Structure { .. } => vec![json!("structure")],
        ShapeKind::String { .. } => vec![json!(7), json!(true)],
        ShapeKind::Integer { .. } => {
            vec![json!("7"), json!(1.5), json!(i64::from(i32::MAX) + 1)]
        }
        ShapeKind::Long { .. } => vec![json!("7"), json!(1.5)],
        ShapeKind::Boolean => vec![json!("true"), json!(1)],
        ShapeKind::Blob { .. } => vec![json!("not base64!"), json!(7)],
        ShapeKind::Timestamp => vec![json!("2017-10-17T00:00:00Z")],
        ShapeKind::List { .. } => vec![json!({})],
        ShapeKind::Map { .. } => vec![json!([])],
    }
}

/// Other values a DTO must carry unchanged: every enum value, bounds,
/// `false`, whole-second timestamps, and empty strings and collections where
/// the model allows them (an empty value is not an unset one).
pub(super) fn other_values(shape: &Shape) -> Vec<Value> {
    match &shape.kind {
        ShapeKind::String { enumeration, .. } => {
            let mut values: Vec<Value> = enumeration.iter().flatten().map(|e| json!(e)).collect();
            if string_fits(shape, "") {
                values.push(json!(""));
            }
            values
        }
        ShapeKind::Integer { min, max } => {
            [min, max].into_iter().flatten().map(|n| json!(n)).collect()
        }
        ShapeKind::Long { min, max } => {
            let mut values: Vec<Value> =
                [min, max].into_iter().flatten().map(|n| json!(n)).collect();
            // Wider than an i32: a long must be carried as a 64-bit integer.
            values.push(json!(i64::from(i32::MAX) + 1));
            values
        }
        ShapeKind::Boolean => vec![json!(false)],
        ShapeKind::Timestamp => vec![json!(1_700_000_000), json!(0)],
        ShapeKind::List { min, .. } if min.unwrap_or(0) == 0 => vec![json!([])],
        ShapeKind::Map { min, .. } if min.unwrap_or(0) == 0 => vec![json!({})],
        _ => Vec::new(),
    }
}

pub(super) fn replaced(value: &Value, at: &str, with: Value) -> Value {
    let mut value = value.clone();
    *value.pointer_mut(at).expect("the pointer was recorded") = with;
    value
}

pub(super) fn removed(value: &Value, parent: &str, member: &str) -> Value {
    let mut value = value.clone();
    value
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("the parent is a recorded structure")
        .remove(member);
    value
}

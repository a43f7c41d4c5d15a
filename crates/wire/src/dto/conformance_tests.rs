//! Conformance of the hand-written DTOs with the vendored botocore model.
//!
//! Owns one guarantee: every request and response type in
//! `secretsmanager.rs`, and every structure nested in them, accepts and emits
//! exactly the JSON the model describes — the same member names, the same
//! JSON types (integer vs long, blob vs string, epoch-number timestamps),
//! required members exactly where the model requires them, unset members
//! omitted rather than `null`, and sensitive members redacted in `Debug`.
//! Samples are generated from the model, so a member added by a model update
//! fails here until the DTO learns it. Tests only: nothing here is used to
//! decode real requests.

use std::collections::BTreeSet;
use std::fmt;

use base64::Engine;
use serde::Serialize;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::{Map, Value, json};

use super::*;
use crate::model::{Model, Shape, ShapeKind};
use crate::operation::Operation;
use crate::validate::validate_request;

// ---------------------------------------------------------------------------
// The table: which Rust type stands for which model shape.
// ---------------------------------------------------------------------------

/// One DTO type, erased to what the checks do with it.
#[derive(Clone, Copy)]
struct Dto {
    rust_name: &'static str,
    round_trip: fn(&Value) -> Result<Decoded, String>,
    default_json: fn() -> Value,
    members: fn() -> Vec<(&'static str, bool)>,
}

/// A value decoded into a DTO: what it serialises back to, and its `Debug`.
struct Decoded {
    json: Value,
    debug: String,
}

macro_rules! dto {
    ($t:ty) => {
        Dto {
            rust_name: stringify!($t),
            round_trip: round_trip::<$t>,
            default_json: default_json::<$t>,
            members: members::<$t>,
        }
    };
}

/// Operation → (request type, response type). `TagResource` and
/// `UntagResource` have no output shape: AWS answers them with an empty body.
fn operations() -> Vec<(Operation, Dto, Option<Dto>)> {
    macro_rules! op {
        ($op:ident => $req:ty) => {
            (Operation::$op, dto!($req), None)
        };
        ($op:ident => $req:ty, $resp:ty) => {
            (Operation::$op, dto!($req), Some(dto!($resp)))
        };
    }
    vec![
        op!(BatchGetSecretValue => BatchGetSecretValueRequest, BatchGetSecretValueResponse),
        op!(CancelRotateSecret => CancelRotateSecretRequest, CancelRotateSecretResponse),
        op!(CreateSecret => CreateSecretRequest, CreateSecretResponse),
        op!(DeleteResourcePolicy => DeleteResourcePolicyRequest, DeleteResourcePolicyResponse),
        op!(DeleteSecret => DeleteSecretRequest, DeleteSecretResponse),
        op!(DescribeSecret => DescribeSecretRequest, DescribeSecretResponse),
        op!(GetRandomPassword => GetRandomPasswordRequest, GetRandomPasswordResponse),
        op!(GetResourcePolicy => GetResourcePolicyRequest, GetResourcePolicyResponse),
        op!(GetSecretValue => GetSecretValueRequest, GetSecretValueResponse),
        op!(ListSecretVersionIds => ListSecretVersionIdsRequest, ListSecretVersionIdsResponse),
        op!(ListSecrets => ListSecretsRequest, ListSecretsResponse),
        op!(PutResourcePolicy => PutResourcePolicyRequest, PutResourcePolicyResponse),
        op!(PutSecretValue => PutSecretValueRequest, PutSecretValueResponse),
        op!(RemoveRegionsFromReplication => RemoveRegionsFromReplicationRequest, RemoveRegionsFromReplicationResponse),
        op!(ReplicateSecretToRegions => ReplicateSecretToRegionsRequest, ReplicateSecretToRegionsResponse),
        op!(RestoreSecret => RestoreSecretRequest, RestoreSecretResponse),
        op!(RotateSecret => RotateSecretRequest, RotateSecretResponse),
        op!(StopReplicationToReplica => StopReplicationToReplicaRequest, StopReplicationToReplicaResponse),
        op!(TagResource => TagResourceRequest),
        op!(UntagResource => UntagResourceRequest),
        op!(UpdateSecret => UpdateSecretRequest, UpdateSecretResponse),
        op!(UpdateSecretVersionStage => UpdateSecretVersionStageRequest, UpdateSecretVersionStageResponse),
        op!(ValidateResourcePolicy => ValidateResourcePolicyRequest, ValidateResourcePolicyResponse),
    ]
}

/// Model structure shape → our type, for structures nested in inputs and
/// outputs. Some of our names drop the model's `Type` suffix.
fn nested_structures() -> Vec<(&'static str, Dto)> {
    vec![
        ("APIErrorType", dto!(ApiError)),
        (
            "ExternalSecretRotationMetadataItem",
            dto!(ExternalSecretRotationMetadataItem),
        ),
        ("Filter", dto!(Filter)),
        ("ReplicaRegionType", dto!(ReplicaRegion)),
        ("ReplicationStatusType", dto!(ReplicationStatus)),
        ("RotationRulesType", dto!(RotationRules)),
        ("SecretListEntry", dto!(SecretListEntry)),
        ("SecretValueEntry", dto!(SecretValueEntry)),
        ("SecretVersionsListEntry", dto!(SecretVersionsListEntry)),
        ("Tag", dto!(Tag)),
        ("ValidationErrorsEntry", dto!(ValidationErrorsEntry)),
    ]
}

/// A top-level structure under test: an operation's input or output.
struct Case {
    label: String,
    /// Set for inputs: the sample must also pass the model validator.
    input_of: Option<Operation>,
    shape: &'static Shape,
    dto: Dto,
}

fn cases() -> Vec<Case> {
    let model = Model::secrets_manager();
    let mut cases = Vec::new();
    for (op, request, response) in operations() {
        cases.push(Case {
            label: format!("{} input ({})", op.name(), request.rust_name),
            input_of: Some(op),
            shape: model.input_shape(op).expect("every operation has an input"),
            dto: request,
        });
        if let (Some(response), Some(shape)) = (response, model.output_shape(op)) {
            cases.push(Case {
                label: format!("{} output ({})", op.name(), response.rust_name),
                input_of: None,
                shape,
                dto: response,
            });
        }
    }
    cases
}

/// Every structure under test: operation inputs and outputs, then nested.
fn all_structures() -> Vec<(String, &'static Shape, Dto)> {
    let model = Model::secrets_manager();
    let mut structures: Vec<(String, &Shape, Dto)> = cases()
        .into_iter()
        .map(|c| (c.label, c.shape, c.dto))
        .collect();
    for (name, dto) in nested_structures() {
        structures.push((dto.rust_name.to_string(), model.shape(name), dto));
    }
    structures
}

// ---------------------------------------------------------------------------
// Type-erased operations on a DTO.
// ---------------------------------------------------------------------------

fn round_trip<T: Serialize + DeserializeOwned + fmt::Debug>(
    value: &Value,
) -> Result<Decoded, String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    let json = serde_json::to_value(&typed).map_err(|e| format!("serialising back: {e}"))?;
    Ok(Decoded {
        json,
        debug: format!("{typed:?}"),
    })
}

fn default_json<T: Serialize + Default>() -> Value {
    serde_json::to_value(T::default()).expect("a default DTO serialises")
}

/// Each member name a derived `Deserialize` accepts (renames applied), and
/// whether its Rust type is an `Option`. serde hands the names to
/// `deserialize_struct`, and deserialises an `Option` member through
/// `deserialize_option`; `Probe` records both and stops.
fn members<T: DeserializeOwned>() -> Vec<(&'static str, bool)> {
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

// ---------------------------------------------------------------------------
// Samples built from the model.
// ---------------------------------------------------------------------------

/// A JSON value with every member populated, and the places the checks visit.
struct Sample {
    value: Value,
    /// Every value below the root: its JSON pointer and its shape.
    nodes: Vec<(String, &'static Shape)>,
    /// Every structure member: (pointer of its structure, member, required).
    members: Vec<(String, String, bool)>,
    /// Texts of sensitive values, which no `Debug` output may contain.
    secrets: Vec<String>,
}

fn sample(shape: &'static Shape) -> Sample {
    let mut sample = Sample {
        value: Value::Null,
        nodes: Vec::new(),
        members: Vec::new(),
        secrets: Vec::new(),
    };
    sample.value = sample.build(Model::secrets_manager(), shape, "", "");
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
/// searches for them); otherwise the first fixed candidate that fits.
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
    [distinctive, "us-east-1".into(), "24h".into()]
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
fn wrong_values(shape: &Shape) -> Vec<Value> {
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
fn other_values(shape: &Shape) -> Vec<Value> {
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

fn replaced(value: &Value, at: &str, with: Value) -> Value {
    let mut value = value.clone();
    *value.pointer_mut(at).expect("the pointer was recorded") = with;
    value
}

fn removed(value: &Value, parent: &str, member: &str) -> Value {
    let mut value = value.clone();
    value
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("the parent is a recorded structure")
        .remove(member);
    value
}

/// Collects every failure so one run reports all of them.
fn assert_none(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// The checks.
// ---------------------------------------------------------------------------

#[test]
fn table_has_each_operation_once_with_the_models_shapes() {
    let model = Model::secrets_manager();
    let table = operations();
    let mut ours: Vec<&str> = table.iter().map(|(op, ..)| op.name()).collect();
    ours.sort();
    let mut all: Vec<&str> = Operation::ALL.iter().map(|op| op.name()).collect();
    all.sort();
    assert_eq!(ours, all);
    for (op, _, response) in &table {
        assert!(
            model.input_shape(*op).is_some(),
            "{} has no input",
            op.name()
        );
        assert_eq!(
            response.is_some(),
            model.output_shape(*op).is_some(),
            "{}: a response type exactly when the model has an output",
            op.name()
        );
    }
}

#[test]
fn nested_table_covers_every_nested_structure() {
    fn walk(model: &Model, shape: &Shape, seen: &mut BTreeSet<String>) {
        let targets: Vec<&String> = match &shape.kind {
            ShapeKind::Structure { members, .. } => members.iter().map(|(_, t)| t).collect(),
            ShapeKind::List { member, .. } => vec![member],
            ShapeKind::Map { key, value, .. } => vec![key, value],
            _ => Vec::new(),
        };
        for target in targets {
            let target = model.shape(target);
            let is_structure = matches!(target.kind, ShapeKind::Structure { .. });
            if is_structure && !seen.insert(target.name.clone()) {
                continue;
            }
            walk(model, target, seen);
        }
    }
    let mut reachable = BTreeSet::new();
    for case in cases() {
        walk(Model::secrets_manager(), case.shape, &mut reachable);
    }
    let table: BTreeSet<String> = nested_structures()
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    assert_eq!(reachable, table);
}

#[test]
fn member_names_are_the_models() {
    let mut failures = Vec::new();
    for (label, shape, dto) in all_structures() {
        let ShapeKind::Structure { members, .. } = &shape.kind else {
            panic!("{label}: {} is not a structure", shape.name);
        };
        let expected: BTreeSet<&str> = members.iter().map(|(m, _)| m.as_str()).collect();
        let actual: BTreeSet<&str> = (dto.members)().into_iter().map(|(m, _)| m).collect();
        let missing: Vec<_> = expected.difference(&actual).collect();
        let unknown: Vec<_> = actual.difference(&expected).collect();
        if !missing.is_empty() || !unknown.is_empty() {
            failures.push(format!(
                "{label}: missing {missing:?}, not in the model {unknown:?}"
            ));
        }
    }
    assert_none(failures);
}

#[test]
fn full_samples_round_trip_unchanged() {
    let mut failures = Vec::new();
    for case in cases() {
        let sample = sample(case.shape);
        if let Some(op) = case.input_of
            && let Err(e) = validate_request(op, &sample.value)
        {
            failures.push(format!(
                "{}: the generated sample is invalid: {e}",
                case.label
            ));
        }
        match (case.dto.round_trip)(&sample.value) {
            Err(e) => failures.push(format!("{}: does not decode: {e}", case.label)),
            Ok(decoded) => {
                if decoded.json != sample.value {
                    failures.push(format!(
                        "{}: changed in a round trip:\n  sent {}\n  back {}",
                        case.label, sample.value, decoded.json
                    ));
                }
                for secret in &sample.secrets {
                    if decoded.debug.contains(secret.as_str()) {
                        failures.push(format!(
                            "{}: Debug shows the sensitive value {secret:?}",
                            case.label
                        ));
                    }
                }
            }
        }
    }
    assert_none(failures);
}

#[test]
fn non_option_members_are_exactly_the_required_ones() {
    let mut failures = Vec::new();
    for (label, shape, dto) in all_structures() {
        let ShapeKind::Structure { required, .. } = &shape.kind else {
            panic!("{label} is not a structure");
        };
        let required: BTreeSet<&str> = required.iter().map(String::as_str).collect();
        let plain: BTreeSet<&str> = (dto.members)()
            .into_iter()
            .filter(|(_, optional)| !optional)
            .map(|(m, _)| m)
            .collect();
        if plain != required {
            failures.push(format!(
                "{label}: non-Option members {plain:?}, the model requires {required:?}"
            ));
        }
    }
    assert_none(failures);
}

/// Behaviourally: leaving out a required member fails to decode; leaving
/// out an optional one decodes and serialises back without it.
#[test]
fn required_members_are_exactly_the_models() {
    let mut failures = Vec::new();
    for case in cases() {
        let sample = sample(case.shape);
        for (parent, member, required) in &sample.members {
            let without = removed(&sample.value, parent, member);
            match ((case.dto.round_trip)(&without), required) {
                (Ok(_), true) => failures.push(format!(
                    "{}: required member {parent}/{member} may be left out",
                    case.label
                )),
                (Err(e), false) => failures.push(format!(
                    "{}: optional member {parent}/{member} cannot be left out: {e}",
                    case.label
                )),
                (Ok(decoded), false) if decoded.json != without => failures.push(format!(
                    "{}: without {parent}/{member}, serialises as {}",
                    case.label, decoded.json
                )),
                _ => {}
            }
        }
    }
    assert_none(failures);
}

#[test]
fn unset_members_are_omitted_never_null() {
    let mut failures = Vec::new();
    for (label, shape, dto) in all_structures() {
        let ShapeKind::Structure { required, .. } = &shape.kind else {
            panic!("{label} is not a structure");
        };
        let json = (dto.default_json)();
        let present: BTreeSet<&str> = json
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let required: BTreeSet<&str> = required.iter().map(String::as_str).collect();
        // For every response type (no required members) this is `{}`.
        if !json.is_object() || present != required {
            failures.push(format!(
                "{label}: Default serialises as {json}, expected only {required:?}"
            ));
        }
    }
    assert_none(failures);
}

#[test]
fn response_defaults_serialise_as_an_empty_object() {
    for (op, _, response) in operations() {
        if let Some(response) = response {
            assert_eq!((response.default_json)(), json!({}), "{}", op.name());
        }
    }
}

#[test]
fn member_types_are_the_models() {
    let mut failures = Vec::new();
    for case in cases() {
        let sample = sample(case.shape);
        for (at, shape) in &sample.nodes {
            for wrong in wrong_values(shape) {
                let probe = replaced(&sample.value, at, wrong.clone());
                if let Ok(decoded) = (case.dto.round_trip)(&probe) {
                    failures.push(format!(
                        "{}: {at} ({}) accepts {wrong} and sends back {}",
                        case.label,
                        shape.name,
                        decoded.json.pointer(at).unwrap_or(&Value::Null)
                    ));
                }
            }
            for other in other_values(shape) {
                let probe = replaced(&sample.value, at, other.clone());
                match (case.dto.round_trip)(&probe) {
                    Err(e) => failures.push(format!(
                        "{}: {at} ({}) refuses {other}: {e}",
                        case.label, shape.name
                    )),
                    // Only this member is judged here: a DTO that loses some
                    // other member fails `full_samples_round_trip_unchanged`.
                    Ok(decoded) if decoded.json.pointer(at) != Some(&other) => {
                        failures.push(format!(
                            "{}: {at} ({}) turns {other} into {}",
                            case.label,
                            shape.name,
                            decoded.json.pointer(at).unwrap_or(&Value::Null)
                        ))
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    assert_none(failures);
}

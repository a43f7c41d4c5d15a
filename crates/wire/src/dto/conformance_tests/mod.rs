//! Conformance of the hand-written DTOs with the vendored botocore models.
//!
//! Owns one guarantee: every request and response type of every service
//! Tresor speaks (`dto/secretsmanager.rs`, `dto/kms.rs`, `dto/iam.rs`,
//! `dto/sts.rs`), and every structure
//! nested in them, accepts and emits exactly the JSON the model describes —
//! the same member names, the same JSON types (integer vs long, blob vs
//! string, epoch-number timestamps), required members exactly where the model
//! requires them, unset members omitted rather than `null`, and sensitive
//! members redacted in `Debug`. Samples are generated from the model, so a
//! member added by a model update fails here until the DTO learns it, and
//! request samples must pass the model validator. Each service's module here
//! (`secretsmanager.rs`, `kms.rs`, `iam.rs`, `sts.rs`) only supplies tables — served operation →
//! request and response types, nested shape → type, the operations not
//! served — and the checks below run over all of them; the tables themselves
//! are checked to cover every operation and every DTO exactly once. Tests
//! only: nothing here is used to decode real requests.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::ErrorCode;
use crate::model::{Model, Shape, ShapeKind};
use crate::operation::{Protocol, Service, Target};
use crate::validate::validate_request;

use sample::{other_values, removed, replaced, sample, wrong_values};

// ---------------------------------------------------------------------------
// The tables: which Rust type stands for which model shape.
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
        $crate::dto::conformance_tests::Dto {
            rust_name: stringify!($t),
            round_trip: $crate::dto::conformance_tests::round_trip::<$t>,
            default_json: $crate::dto::conformance_tests::default_json::<$t>,
            members: $crate::dto::conformance_tests::probe::members::<$t>,
        }
    };
}

/// `operation_table!(Enum { Op => Request, Response; Op => Request; … })`:
/// the rows of served operations. A row without a response type is an
/// operation whose model has no output shape (AWS answers an empty body).
macro_rules! operation_table {
    ($enum:ident { $($op:ident => $req:ty $(, $resp:ty)?;)* }) => {
        vec![$(
            $crate::dto::conformance_tests::OperationRow {
                op: $crate::operation::Target::from($enum::$op),
                request: dto!($req),
                response: operation_table!(@response $($resp)?),
            },
        )*]
    };
    (@response) => {
        None
    };
    (@response $resp:ty) => {
        Some(dto!($resp))
    };
}

mod iam;
mod kms;
mod probe;
mod sample;
mod secretsmanager;
mod sts;

/// A served operation: its request type, and its response type exactly when
/// the model has an output shape.
#[derive(Clone, Copy)]
struct OperationRow {
    op: Target,
    request: Dto,
    response: Option<Dto>,
}

/// One service's tables.
struct Api {
    service: Service,
    /// Every operation of the service (its operation enum's `ALL`).
    all_operations: Vec<Target>,
    /// The operations Tresor serves, each once.
    operations: Vec<OperationRow>,
    /// The operations Tresor does not serve (UnsupportedOperationException):
    /// they have no DTOs. With `operations`, exactly `all_operations`.
    unserved: Vec<Target>,
    /// Model structure shape → our type, for structures nested in inputs and
    /// outputs.
    nested: Vec<(&'static str, Dto)>,
    /// The source of the service's DTO module: each `pub struct` in it must
    /// be in a table, so that no DTO escapes these checks.
    source: &'static str,
}

impl Api {
    fn model(&self) -> &'static Model {
        Model::of(self.service).expect("an AWS service")
    }

    fn name(&self) -> &'static str {
        self.service.signing_name()
    }
}

fn apis() -> [Api; 4] {
    [secretsmanager::api(), kms::api(), iam::api(), sts::api()]
}

/// A top-level structure under test: an operation's input or output.
struct Case {
    label: String,
    model: &'static Model,
    /// Set for inputs: the sample must also pass the model validator.
    input_of: Option<Target>,
    shape: &'static Shape,
    dto: Dto,
}

impl Case {
    fn sample(&self) -> sample::Sample {
        sample(self.model, self.shape)
    }
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for api in apis() {
        let model = api.model();
        for row in &api.operations {
            let (op, request) = (row.op, row.request);
            cases.push(Case {
                label: format!("{} {} input ({})", api.name(), op.name(), request.rust_name),
                model,
                input_of: Some(op),
                shape: model.input_shape(op).expect("every operation has an input"),
                dto: request,
            });
            if let (Some(response), Some(shape)) = (row.response, model.output_shape(op)) {
                cases.push(Case {
                    label: format!(
                        "{} {} output ({})",
                        api.name(),
                        op.name(),
                        response.rust_name
                    ),
                    model,
                    input_of: None,
                    shape,
                    dto: response,
                });
            }
        }
    }
    cases
}

/// Every structure under test: operation inputs and outputs, then nested.
fn all_structures() -> Vec<(String, &'static Shape, Dto)> {
    let mut structures: Vec<(String, &Shape, Dto)> = cases()
        .into_iter()
        .map(|c| (c.label, c.shape, c.dto))
        .collect();
    for api in apis() {
        for &(name, dto) in &api.nested {
            let label = format!("{} {name} ({})", api.name(), dto.rust_name);
            structures.push((label, api.model().shape(name), dto));
        }
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

/// Each service's operations split exactly into served (one table row each)
/// and unserved: serving an operation without a row, or listing one in both,
/// fails here. A row has a response type exactly when the model has an
/// output shape.
#[test]
fn operation_tables_split_every_operation_into_served_and_unserved() {
    let mut failures = Vec::new();
    for api in apis() {
        let model = api.model();
        let mut listed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for row in &api.operations {
            listed.entry(row.op.name()).or_default().push("served");
        }
        for op in &api.unserved {
            listed.entry(op.name()).or_default().push("unserved");
        }
        for op in api.all_operations.iter().map(|op| op.name()) {
            match listed.remove(op).as_deref() {
                Some([_]) => {}
                None => failures.push(format!(
                    "{} {op}: neither served (a table row) nor listed as unserved",
                    api.name()
                )),
                Some(places) => failures.push(format!(
                    "{} {op}: listed more than once: {places:?}",
                    api.name()
                )),
            }
        }
        for op in listed.keys() {
            failures.push(format!(
                "{} {op}: not an operation of the service",
                api.name()
            ));
        }
        for row in &api.operations {
            let op = row.op;
            if op.service() != api.service {
                failures.push(format!("{} {}: of another service", api.name(), op.name()));
                continue;
            }
            if model.input_shape(op).is_none() {
                failures.push(format!("{} {}: no input shape", api.name(), op.name()));
            }
            if row.response.is_some() != model.output_shape(op).is_some() {
                failures.push(format!(
                    "{} {}: a response type exactly when the model has an output",
                    api.name(),
                    op.name()
                ));
            }
        }
    }
    assert_none(failures);
}

/// Every `pub struct` of a DTO module is a table row (an operation's request
/// or response, or a nested structure), and every row's type is declared
/// there: a DTO added without a row, or one for an unserved operation, fails.
#[test]
fn every_dto_struct_is_in_a_table() {
    for api in apis() {
        let declared: BTreeSet<&str> = api
            .source
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("pub struct "))
            .filter_map(|rest| {
                rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
            })
            .collect();
        let mut tabled: Vec<&str> = api
            .operations
            .iter()
            .flat_map(|row| [Some(row.request), row.response])
            .flatten()
            .chain(api.nested.iter().map(|(_, dto)| *dto))
            .map(|dto| dto.rust_name)
            .collect();
        let rows = tabled.len();
        tabled.sort();
        tabled.dedup();
        assert_eq!(rows, tabled.len(), "{}: a type in two rows", api.name());
        let tabled: BTreeSet<&str> = tabled.into_iter().collect();
        assert_eq!(
            declared,
            tabled,
            "{}: the module's structs (left) are not the tables' types (right)",
            api.name()
        );
    }
}

#[test]
fn nested_tables_cover_every_nested_structure() {
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
    for api in apis() {
        let model = api.model();
        let mut reachable = BTreeSet::new();
        for row in &api.operations {
            let shapes = [model.input_shape(row.op), model.output_shape(row.op)];
            for shape in shapes.into_iter().flatten() {
                walk(model, shape, &mut reachable);
            }
        }
        let table: BTreeSet<String> = api
            .nested
            .iter()
            .map(|(name, _)| name.to_string())
            .collect();
        assert_eq!(reachable, table, "{}", api.name());
    }
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

/// The samples are requests AWS would accept: the model's patterns, enums,
/// lengths and ranges hold, so the round trips below prove something.
#[test]
fn request_samples_pass_the_validator() {
    let mut failures = Vec::new();
    for case in cases() {
        if let Some(op) = case.input_of
            && let Err(e) = validate_request(op, &case.sample().value)
        {
            failures.push(format!(
                "{}: the generated sample is invalid: {e}",
                case.label
            ));
        }
    }
    assert_none(failures);
}

#[test]
fn full_samples_round_trip_unchanged() {
    let mut failures = Vec::new();
    for case in cases() {
        let sample = case.sample();
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
        let sample = case.sample();
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

/// Secrets Manager's and KMS's outputs require nothing, so a default
/// response is `{}`. (IAM's do: `GetUserResponse` requires `User`, which
/// `unset_members_are_omitted_never_null` covers.)
#[test]
fn response_defaults_serialise_as_an_empty_object() {
    for api in apis() {
        for row in &api.operations {
            let Some(response) = row.response else {
                continue;
            };
            let shape = api.model().output_shape(row.op).expect("an output");
            if matches!(&shape.kind, ShapeKind::Structure { required, .. } if !required.is_empty())
            {
                continue;
            }
            assert_eq!(
                (response.default_json)(),
                json!({}),
                "{} {}",
                api.name(),
                row.op.name()
            );
        }
    }
}

#[test]
fn member_types_are_the_models() {
    let mut failures = Vec::new();
    for case in cases() {
        let sample = case.sample();
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

/// Every error the model says a served awsQuery operation can raise has an
/// `ErrorCode` with the model's wire code and HTTP status (awsJson services
/// answer every client error with 400, whatever their models say).
#[test]
fn modelled_errors_of_served_query_operations_have_codes() {
    let mut failures = Vec::new();
    let mut checked = BTreeSet::new();
    for api in apis() {
        if api.service.protocol() != Protocol::AwsQuery {
            continue;
        }
        for row in &api.operations {
            for shape in api.model().error_shapes(row.op) {
                let error = shape
                    .error
                    .as_ref()
                    .expect("query errors have an error trait");
                match ErrorCode::ALL.iter().find(|c| c.as_str() == error.code) {
                    None => failures.push(format!(
                        "{} {}: no ErrorCode for {}",
                        api.name(),
                        row.op.name(),
                        error.code
                    )),
                    Some(code) if code.http_status() != error.http_status => {
                        failures.push(format!(
                            "{code}: status {}, the model says {}",
                            code.http_status(),
                            error.http_status
                        ))
                    }
                    Some(code) => {
                        checked.insert(code.as_str());
                    }
                }
            }
        }
    }
    assert_none(failures);
    assert!(checked.len() >= 16, "{checked:?}");
}

//! The vendored AWS service model (botocore's `service-2.json`), loaded once.
//!
//! Owns the typed view of the model that request validation and the awsQuery
//! codec walk: shapes, their constraints, each operation's input and output
//! shape, the output's `resultWrapper`, the service's `apiVersion` and
//! `xmlNamespace`, and the modelled errors (`error` traits). The JSON is
//! compiled into the binary so that validation always matches the exact
//! model version Tresor was built and tested against.
//!
//! Patterns are Java regular expressions (AWS validates with Java): they are
//! translated so that `\w`, `\d` and `\s` keep Java's ASCII meaning while
//! `\p{L}` and friends keep their Unicode one. A pattern the engine cannot
//! run (IAM has one with a look-ahead, on an operation Tresor does not serve)
//! is kept as `Pattern::Unsupported` and not checked; a test lists them.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::operation::{ApiOperation, Service};
#[cfg(test)]
use crate::operation::{IamOperation, KmsOperation, Operation, StsOperation};

const SECRETS_MANAGER_MODEL: &str = include_str!("../model/secretsmanager-2017-10-17.json");
const KMS_MODEL: &str = include_str!("../model/kms-2014-11-01.json");
const IAM_MODEL: &str = include_str!("../model/iam-2010-05-08.json");
const STS_MODEL: &str = include_str!("../model/sts-2011-06-15.json");

#[derive(Debug)]
pub struct Shape {
    pub name: String,
    pub kind: ShapeKind,
    /// Values of sensitive shapes are never echoed in error messages.
    pub sensitive: bool,
    /// For an exception shape: its `error` trait.
    pub error: Option<ErrorTrait>,
}

/// An exception shape's `error` trait: the wire code and HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorTrait {
    pub code: String,
    pub http_status: u16,
    pub sender_fault: bool,
}

#[derive(Debug)]
pub enum ShapeKind {
    Structure {
        /// `(member name, target shape)`, in a stable (alphabetical) order.
        members: Vec<(String, String)>,
        required: Vec<String>,
    },
    String {
        min: Option<i64>,
        max: Option<i64>,
        pattern: Option<Pattern>,
        enumeration: Option<Vec<String>>,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Long {
        min: Option<i64>,
        max: Option<i64>,
    },
    Boolean,
    Blob {
        min: Option<i64>,
        max: Option<i64>,
    },
    Timestamp,
    List {
        member: String,
        min: Option<i64>,
        max: Option<i64>,
    },
    Map {
        key: String,
        value: String,
        min: Option<i64>,
        max: Option<i64>,
    },
}

/// A model `pattern`, matched against the whole value as Coral does.
#[derive(Debug)]
pub struct Pattern {
    pub source: String,
    /// `None`: a construct the engine lacks (look-around); not checked.
    regex: Option<regex::Regex>,
}

impl Pattern {
    /// Whether `value` matches; an unsupported pattern matches everything.
    pub fn is_match(&self, value: &str) -> bool {
        self.regex.as_ref().is_none_or(|r| r.is_match(value))
    }

    pub fn is_supported(&self) -> bool {
        self.regex.is_some()
    }

    fn compile(source: &str) -> Pattern {
        let translated = java_to_rust_pattern(source);
        Pattern {
            source: source.to_string(),
            regex: regex::Regex::new(&format!("^(?:{translated})$")).ok(),
        }
    }
}

/// Java's `\w`, `\d` and `\s` are ASCII-only; the `regex` crate's are
/// Unicode. Each becomes an explicit ASCII class (a class nested in a class is
/// a union, so this holds inside brackets too). Other escapes are kept.
fn java_to_rust_pattern(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 16);
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('w') => out.push_str("[0-9A-Za-z_]"),
            Some('d') => out.push_str("[0-9]"),
            Some('s') => out.push_str("[\\t\\n\\x0B\\x0C\\r ]"),
            Some('W') => out.push_str("[^0-9A-Za-z_]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('S') => out.push_str("[^\\t\\n\\x0B\\x0C\\r ]"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// An operation of the model.
#[derive(Debug)]
struct OperationDef {
    input: Option<String>,
    output: Option<String>,
    result_wrapper: Option<String>,
    errors: Vec<String>,
}

#[derive(Debug)]
pub struct Model {
    shapes: HashMap<String, Shape>,
    operations: HashMap<String, OperationDef>,
    api_version: String,
    xml_namespace: Option<String>,
}

impl Model {
    /// The Secrets Manager model.
    pub fn secrets_manager() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            Model::parse(SECRETS_MANAGER_MODEL).expect("the vendored model is valid")
        })
    }

    /// The KMS model.
    pub fn kms() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::parse(KMS_MODEL).expect("the vendored model is valid"))
    }

    /// The IAM model.
    pub fn iam() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::parse(IAM_MODEL).expect("the vendored model is valid"))
    }

    /// The STS model.
    pub fn sts() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::parse(STS_MODEL).expect("the vendored model is valid"))
    }

    /// The model of an AWS service; `None` for Tresor's own operator API.
    pub fn of(service: Service) -> Option<&'static Model> {
        match service {
            Service::SecretsManager => Some(Model::secrets_manager()),
            Service::Kms => Some(Model::kms()),
            Service::Iam => Some(Model::iam()),
            Service::Sts => Some(Model::sts()),
            Service::Operator | Service::CloudTrail => None,
        }
    }

    /// `metadata.apiVersion`, e.g. `2010-05-08`: the `Version` an awsQuery
    /// request must carry.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// `metadata.xmlNamespace` of an awsQuery service.
    pub fn xml_namespace(&self) -> Option<&str> {
        self.xml_namespace.as_deref()
    }

    pub fn shape(&self, name: &str) -> &Shape {
        self.shapes
            .get(name)
            .unwrap_or_else(|| panic!("model shape {name} is referenced but not defined"))
    }

    /// Whether the model defines a shape of this name.
    pub fn has_shape(&self, name: &str) -> bool {
        self.shapes.contains_key(name)
    }

    pub fn input_shape(&self, op: impl ApiOperation) -> Option<&Shape> {
        let input = self.operations.get(op.name())?.input.as_ref()?;
        Some(self.shape(input))
    }

    pub fn output_shape(&self, op: impl ApiOperation) -> Option<&Shape> {
        let output = self.operations.get(op.name())?.output.as_ref()?;
        Some(self.shape(output))
    }

    /// The element an awsQuery response wraps the output in
    /// (`CreateUserResult`).
    pub fn result_wrapper(&self, op: impl ApiOperation) -> Option<&str> {
        self.operations.get(op.name())?.result_wrapper.as_deref()
    }

    /// The exception shapes an operation is modelled to raise.
    pub fn error_shapes(&self, op: impl ApiOperation) -> impl Iterator<Item = &Shape> {
        self.operations
            .get(op.name())
            .into_iter()
            .flat_map(|def| def.errors.iter().map(|e| self.shape(e)))
    }

    /// Every operation name in the model.
    pub fn operation_names(&self) -> impl Iterator<Item = &str> {
        self.operations.keys().map(String::as_str)
    }

    /// Every shape of the model, in no particular order.
    pub fn shapes(&self) -> impl Iterator<Item = &Shape> {
        self.shapes.values()
    }

    pub(crate) fn parse(json: &str) -> Result<Model, String> {
        let root: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut shapes = HashMap::new();
        for (name, def) in root["shapes"].as_object().ok_or("no shapes")? {
            shapes.insert(name.clone(), parse_shape(name, def)?);
        }
        let mut operations = HashMap::new();
        for (name, def) in root["operations"].as_object().ok_or("no operations")? {
            let text = |v: &Value| v.as_str().map(str::to_string);
            let errors = def["errors"]
                .as_array()
                .map(|errors| errors.iter().filter_map(|e| text(&e["shape"])).collect())
                .unwrap_or_default();
            operations.insert(
                name.clone(),
                OperationDef {
                    input: text(&def["input"]["shape"]),
                    output: text(&def["output"]["shape"]),
                    result_wrapper: text(&def["output"]["resultWrapper"]),
                    errors,
                },
            );
        }
        let metadata = &root["metadata"];
        Ok(Model {
            shapes,
            operations,
            api_version: metadata["apiVersion"]
                .as_str()
                .ok_or("no apiVersion")?
                .to_string(),
            xml_namespace: metadata["xmlNamespace"].as_str().map(str::to_string),
        })
    }
}

fn parse_shape(name: &str, def: &Value) -> Result<Shape, String> {
    let min = def["min"].as_i64();
    let max = def["max"].as_i64();
    let target = |v: &Value| -> Result<String, String> {
        v["shape"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("{name}: member without shape"))
    };
    let kind = match def["type"].as_str().unwrap_or_default() {
        "structure" => {
            let mut members = Vec::new();
            if let Some(m) = def["members"].as_object() {
                for (member, spec) in m {
                    members.push((member.clone(), target(spec)?));
                }
            }
            members.sort();
            let required = def["required"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            ShapeKind::Structure { members, required }
        }
        "string" => ShapeKind::String {
            min,
            max,
            pattern: def["pattern"].as_str().map(Pattern::compile),
            enumeration: def["enum"].as_array().map(|e| {
                e.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            }),
        },
        "integer" => ShapeKind::Integer { min, max },
        "long" => ShapeKind::Long { min, max },
        "boolean" => ShapeKind::Boolean,
        "blob" => ShapeKind::Blob { min, max },
        "timestamp" => ShapeKind::Timestamp,
        "list" => ShapeKind::List {
            member: target(&def["member"])?,
            min,
            max,
        },
        "map" => ShapeKind::Map {
            key: target(&def["key"])?,
            value: target(&def["value"])?,
            min,
            max,
        },
        other => return Err(format!("{name}: unknown shape type {other}")),
    };
    let error = def
        .get("error")
        .filter(|e| e.is_object())
        .map(|e| ErrorTrait {
            code: e["code"].as_str().unwrap_or(name).to_string(),
            http_status: e["httpStatusCode"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(400),
            sender_fault: e["senderFault"].as_bool().unwrap_or(false),
        });
    Ok(Shape {
        name: name.to_string(),
        kind,
        sensitive: def["sensitive"].as_bool().unwrap_or(false),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_models() -> [&'static Model; 4] {
        [
            Model::secrets_manager(),
            Model::kms(),
            Model::iam(),
            Model::sts(),
        ]
    }

    #[test]
    fn models_have_every_operation_and_only_those() {
        fn check(model: &Model, ours: impl Iterator<Item = &'static str>) {
            let mut names: Vec<_> = model.operation_names().collect();
            names.sort();
            let mut ours: Vec<_> = ours.collect();
            ours.sort();
            assert_eq!(names, ours);
        }
        check(
            Model::secrets_manager(),
            Operation::ALL.iter().map(|o| o.name()),
        );
        check(Model::kms(), KmsOperation::ALL.iter().map(|o| o.name()));
        check(Model::iam(), IamOperation::ALL.iter().map(|o| o.name()));
        check(Model::sts(), StsOperation::ALL.iter().map(|o| o.name()));
    }

    #[test]
    fn query_metadata_is_read() {
        let iam = Model::iam();
        assert_eq!(iam.api_version(), "2010-05-08");
        assert_eq!(
            iam.xml_namespace(),
            Some("https://iam.amazonaws.com/doc/2010-05-08/")
        );
        assert_eq!(
            iam.result_wrapper(IamOperation::CreateUser),
            Some("CreateUserResult")
        );
        assert_eq!(iam.result_wrapper(IamOperation::DeleteUser), None);
        assert!(iam.input_shape(IamOperation::GetAccountSummary).is_none());
        let no_such_entity = iam
            .error_shapes(IamOperation::GetUser)
            .find(|s| s.name == "NoSuchEntityException")
            .unwrap();
        assert_eq!(
            no_such_entity.error,
            Some(ErrorTrait {
                code: "NoSuchEntity".into(),
                http_status: 404,
                sender_fault: true
            })
        );
        let sts = Model::sts();
        assert_eq!(sts.api_version(), "2011-06-15");
        assert_eq!(
            sts.xml_namespace(),
            Some("https://sts.amazonaws.com/doc/2011-06-15/")
        );
    }

    #[test]
    fn java_classes_stay_ascii_and_unicode_categories_work() {
        let model = Model::iam();
        let pattern = |shape: &str| {
            let ShapeKind::String {
                pattern: Some(p), ..
            } = &model.shape(shape).kind
            else {
                panic!("{shape} has a pattern");
            };
            p
        };
        let user = pattern("userNameType");
        assert!(user.is_match("alice+ops@example.com"));
        assert!(!user.is_match("älice"), "Java's \\w is ASCII");
        assert!(!user.is_match("alice bob"));
        let tag = pattern("tagKeyType");
        assert!(
            tag.is_match("Équipe 42:名前"),
            "letters, separators, numbers"
        );
        assert!(!tag.is_match("a*b"));
        assert!(pattern("accountIdType").is_match("123456789012"));
        assert!(
            !pattern("accountIdType").is_match("١٢٣٤٥٦٧٨٩٠١٢"),
            "\\d is ASCII"
        );
    }

    /// The only patterns the engine cannot run. None is on a served input.
    #[test]
    fn unsupported_patterns_are_known() {
        let mut unsupported = Vec::new();
        for model in all_models() {
            for shape in model.shapes.values() {
                if let ShapeKind::String {
                    pattern: Some(p), ..
                } = &shape.kind
                    && !p.is_supported()
                {
                    unsupported.push(shape.name.clone());
                }
            }
        }
        unsupported.sort();
        assert_eq!(unsupported, ["accountAliasType"]);
    }

    #[test]
    fn patterns_match_whole_values() {
        let model = Model::secrets_manager();
        let ShapeKind::String {
            pattern: Some(p), ..
        } = &model.shape("DurationType").kind
        else {
            panic!("DurationType has a pattern");
        };
        assert!(p.is_match("3h"));
        assert!(p.is_match("24h"));
        assert!(!p.is_match("x3h"));
        assert!(!p.is_match("3hx"));
    }

    #[test]
    fn every_referenced_shape_exists() {
        for model in all_models() {
            check_references(model);
            for def in model.operations.values() {
                for shape in [&def.input, &def.output].into_iter().flatten() {
                    model.shape(shape);
                }
                for error in &def.errors {
                    model.shape(error);
                }
            }
        }
    }

    fn check_references(model: &Model) {
        for shape in model.shapes.values() {
            match &shape.kind {
                ShapeKind::Structure { members, .. } => {
                    for (_, t) in members {
                        model.shape(t);
                    }
                }
                ShapeKind::List { member, .. } => {
                    model.shape(member);
                }
                ShapeKind::Map { key, value, .. } => {
                    model.shape(key);
                    model.shape(value);
                }
                _ => {}
            }
        }
    }
}

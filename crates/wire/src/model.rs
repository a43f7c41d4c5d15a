//! The vendored AWS service model (botocore's `service-2.json`), loaded once.
//!
//! Owns the typed view of the model that request validation walks: shapes,
//! their constraints, and each operation's input shape. The JSON is compiled
//! into the binary so that validation always matches the exact model version
//! Tresor was built and tested against.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::operation::{ApiOperation, Service};
#[cfg(test)]
use crate::operation::{KmsOperation, Operation};

const SECRETS_MANAGER_MODEL: &str = include_str!("../model/secretsmanager-2017-10-17.json");
const KMS_MODEL: &str = include_str!("../model/kms-2014-11-01.json");

#[derive(Debug)]
pub struct Shape {
    pub name: String,
    pub kind: ShapeKind,
    /// Values of sensitive shapes are never echoed in error messages.
    pub sensitive: bool,
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
    regex: regex_lite::Regex,
}

impl Pattern {
    pub fn is_match(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

#[derive(Debug)]
pub struct Model {
    shapes: HashMap<String, Shape>,
    inputs: HashMap<String, String>,
    outputs: HashMap<String, String>,
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

    /// The model of an AWS service; `None` for Tresor's own operator API.
    pub fn of(service: Service) -> Option<&'static Model> {
        match service {
            Service::SecretsManager => Some(Model::secrets_manager()),
            Service::Kms => Some(Model::kms()),
            Service::Operator => None,
        }
    }

    pub fn shape(&self, name: &str) -> &Shape {
        self.shapes
            .get(name)
            .unwrap_or_else(|| panic!("model shape {name} is referenced but not defined"))
    }

    pub fn input_shape(&self, op: impl ApiOperation) -> Option<&Shape> {
        self.inputs.get(op.name()).map(|s| self.shape(s))
    }

    pub fn output_shape(&self, op: impl ApiOperation) -> Option<&Shape> {
        self.outputs.get(op.name()).map(|s| self.shape(s))
    }

    /// Every operation name in the model.
    pub fn operation_names(&self) -> impl Iterator<Item = &str> {
        self.inputs.keys().map(String::as_str)
    }

    fn parse(json: &str) -> Result<Model, String> {
        let root: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut shapes = HashMap::new();
        for (name, def) in root["shapes"].as_object().ok_or("no shapes")? {
            shapes.insert(name.clone(), parse_shape(name, def)?);
        }
        let mut inputs = HashMap::new();
        let mut outputs = HashMap::new();
        for (name, def) in root["operations"].as_object().ok_or("no operations")? {
            if let Some(input) = def["input"]["shape"].as_str() {
                inputs.insert(name.clone(), input.to_string());
            }
            if let Some(output) = def["output"]["shape"].as_str() {
                outputs.insert(name.clone(), output.to_string());
            }
        }
        Ok(Model {
            shapes,
            inputs,
            outputs,
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
            pattern: match def["pattern"].as_str() {
                Some(p) => Some(Pattern {
                    source: p.to_string(),
                    regex: regex_lite::Regex::new(&format!("^(?:{p})$"))
                        .map_err(|e| format!("{name}: pattern {p}: {e}"))?,
                }),
                None => None,
            },
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
    Ok(Shape {
        name: name.to_string(),
        kind,
        sensitive: def["sensitive"].as_bool().unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_have_every_operation_and_only_those() {
        let mut names: Vec<_> = Model::secrets_manager().operation_names().collect();
        names.sort();
        let mut ours: Vec<_> = Operation::ALL.iter().map(|o| o.name()).collect();
        ours.sort();
        assert_eq!(names, ours);
        let mut names: Vec<_> = Model::kms().operation_names().collect();
        names.sort();
        let mut ours: Vec<_> = KmsOperation::ALL.iter().map(|o| o.name()).collect();
        ours.sort();
        assert_eq!(names, ours);
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
        for model in [Model::secrets_manager(), Model::kms()] {
            check_references(model);
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

//! What `tresor import` reads and `tresor export` writes: a list of
//! secrets (name, value, description, tags) as a JSON document, a flat
//! JSON object, or a `.env` file.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroizing;

/// The JSON document's format marker.
pub const FORMAT: &str = "tresor-export/1";

pub struct Item {
    pub name: String,
    pub value: ItemValue,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
}

pub enum ItemValue {
    Text(Zeroizing<String>),
    Binary(Zeroizing<Vec<u8>>),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tresor's JSON document (a flat `{"name": value}` object is read too).
    Json,
    /// `NAME=value` lines.
    Env,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Document {
    format: String,
    secrets: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Entry {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<Tag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_string: Option<Zeroizing<String>>,
    /// base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_binary: Option<Zeroizing<String>>,
}

/// The format of `text` when not given: JSON if it starts with `{`.
pub fn detect(text: &[u8]) -> Format {
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Format::Json,
        _ => Format::Env,
    }
}

/// The secrets in `text`; `.env` keys become `<prefix><KEY>`.
pub fn read(text: &[u8], format: Format, prefix: &str) -> anyhow::Result<Vec<Item>> {
    let items = match format {
        Format::Json => read_json(text)?,
        Format::Env => read_env(text)?
            .into_iter()
            .map(|(key, value)| Item {
                name: format!("{prefix}{key}"),
                value: ItemValue::Text(value),
                description: None,
                tags: Vec::new(),
            })
            .collect(),
    };
    let mut seen = std::collections::HashSet::new();
    for item in &items {
        if !seen.insert(item.name.as_str()) {
            bail!("{} appears twice", item.name);
        }
    }
    Ok(items)
}

/// A `.env` file's variables, in order, with dotenv's rules: `export`,
/// comments, single quotes literal, and `$VAR` / `${VAR}` in unquoted and
/// double-quoted values expanded from earlier lines and the environment.
pub fn read_env(text: &[u8]) -> anyhow::Result<Vec<(String, Zeroizing<String>)>> {
    dotenvy::from_read_iter(text)
        .map(|pair| {
            let (key, value) = pair.map_err(|e| anyhow::anyhow!("invalid .env file: {e}"))?;
            Ok((key, Zeroizing::new(value)))
        })
        .collect()
}

fn read_json(text: &[u8]) -> anyhow::Result<Vec<Item>> {
    let value: Value = serde_json::from_slice(text).context("invalid JSON")?;
    let is_document = value.get("Format").is_some();
    // The parsed tree holds the secrets too: wipe what can be wiped.
    let value = Zeroizing::new(value.to_string());
    if is_document {
        let document: Document =
            serde_json::from_str(&value).context("not a tresor-export/1 document")?;
        if document.format != FORMAT {
            bail!(
                "unknown document format {:?} (expected {FORMAT})",
                document.format
            );
        }
        return document.secrets.into_iter().map(from_entry).collect();
    }
    let object: BTreeMap<String, Value> = serde_json::from_str(&value)
        .context("expected a tresor-export/1 document or a {\"name\": value} object")?;
    Ok(object
        .into_iter()
        .map(|(name, value)| Item {
            name,
            value: ItemValue::Text(Zeroizing::new(match value {
                Value::String(s) => s,
                other => other.to_string(),
            })),
            description: None,
            tags: Vec::new(),
        })
        .collect())
}

fn from_entry(entry: Entry) -> anyhow::Result<Item> {
    let value = match (entry.secret_string, entry.secret_binary) {
        (Some(text), None) => ItemValue::Text(text),
        (None, Some(b64)) => ItemValue::Binary(Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .with_context(|| format!("{}: SecretBinary is not base64", entry.name))?,
        )),
        _ => bail!(
            "{}: needs exactly one of SecretString and SecretBinary",
            entry.name
        ),
    };
    Ok(Item {
        name: entry.name,
        value,
        description: entry.description,
        tags: entry.tags,
    })
}

/// The JSON document of `items`.
pub fn write_json(items: &[Item]) -> Zeroizing<Vec<u8>> {
    let document = Document {
        format: FORMAT.into(),
        secrets: items
            .iter()
            .map(|item| {
                let (secret_string, secret_binary) = match &item.value {
                    ItemValue::Text(t) => (Some(t.clone()), None),
                    ItemValue::Binary(b) => (
                        None,
                        Some(Zeroizing::new(
                            base64::engine::general_purpose::STANDARD.encode(b.as_slice()),
                        )),
                    ),
                };
                Entry {
                    name: item.name.clone(),
                    description: item.description.clone(),
                    tags: item.tags.clone(),
                    secret_string,
                    secret_binary,
                }
            })
            .collect(),
    };
    let mut out = Zeroizing::new(serde_json::to_vec_pretty(&document).expect("serialises"));
    out.push(b'\n');
    out
}

/// `.env` lines: each secret's name without `prefix`, upper-cased, other
/// characters than letters and digits as `_`; values quoted so that
/// dotenv readers give them back exactly.
pub fn write_env(items: &[Item], prefix: &str) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::new());
    let mut names = std::collections::HashMap::new();
    for item in items {
        let ItemValue::Text(value) = &item.value else {
            bail!(
                "{} holds a binary value, which a .env file cannot carry (use --format json)",
                item.name
            );
        };
        let variable = env_name(item.name.strip_prefix(prefix).unwrap_or(&item.name));
        if let Some(other) = names.insert(variable.clone(), item.name.clone()) {
            bail!("{other} and {} would both be {variable}", item.name);
        }
        out.extend_from_slice(variable.as_bytes());
        out.push(b'=');
        out.extend_from_slice(quote(value).as_bytes());
        out.push(b'\n');
    }
    Ok(out)
}

fn env_name(name: &str) -> String {
    let mut variable: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if variable.starts_with(|c: char| c.is_ascii_digit()) {
        variable.insert(0, '_');
    }
    variable
}

/// Single quotes (literal) where they can hold the value, else double
/// quotes with `\\`, `\"`, `\$` and `\n` escaped.
fn quote(value: &str) -> Zeroizing<String> {
    if !value.contains(['\'', '\n', '\r']) {
        return Zeroizing::new(format!("'{value}'"));
    }
    let mut quoted = Zeroizing::new(String::with_capacity(value.len() + 2));
    quoted.push('"');
    for c in value.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '$' => quoted.push_str("\\$"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(item: &Item) -> &str {
        match &item.value {
            ItemValue::Text(t) => t.as_str(),
            ItemValue::Binary(_) => panic!("binary"),
        }
    }

    #[test]
    fn env_files_round_trip_every_value() {
        let values = [
            "plain",
            "with space",
            "it's",
            "multi\nline",
            "$HOME and ${X}",
            "back\\slash \"q\"",
            "#not a comment",
            "",
        ];
        let items: Vec<Item> = values
            .iter()
            .enumerate()
            .map(|(i, v)| Item {
                name: format!("app/key-{i}"),
                value: ItemValue::Text(Zeroizing::new(v.to_string())),
                description: None,
                tags: Vec::new(),
            })
            .collect();
        let written = write_env(&items, "app/").unwrap();
        let back = read(&written, Format::Env, "app/").unwrap();
        assert_eq!(back.len(), values.len());
        for (i, (item, value)) in back.iter().zip(values).enumerate() {
            assert_eq!(item.name, format!("app/KEY_{i}"));
            assert_eq!(text(item), value, "value {i}");
        }
    }

    #[test]
    fn env_files_read_as_dotenv_writes_them() {
        let items = read(
            b"# comment\nexport A=1\nB='two words'\nC=\"x\\ny\"\n\nD=plain # note\n",
            Format::Env,
            "p/",
        )
        .unwrap();
        let got: Vec<(&str, &str)> = items.iter().map(|i| (i.name.as_str(), text(i))).collect();
        assert_eq!(
            got,
            vec![
                ("p/A", "1"),
                ("p/B", "two words"),
                ("p/C", "x\ny"),
                ("p/D", "plain")
            ]
        );
    }

    #[test]
    fn json_documents_and_flat_objects_are_read() {
        let items = vec![
            Item {
                name: "a".into(),
                value: ItemValue::Text(Zeroizing::new("{\"k\":1}".into())),
                description: Some("d".into()),
                tags: vec![Tag {
                    key: "team".into(),
                    value: "x".into(),
                }],
            },
            Item {
                name: "b".into(),
                value: ItemValue::Binary(Zeroizing::new(vec![0, 255])),
                description: None,
                tags: Vec::new(),
            },
        ];
        let written = write_json(&items);
        assert_eq!(detect(&written), Format::Json);
        let back = read(&written, Format::Json, "").unwrap();
        assert_eq!(text(&back[0]), "{\"k\":1}");
        assert_eq!(back[0].tags, items[0].tags);
        assert!(matches!(&back[1].value, ItemValue::Binary(b) if b.as_slice() == [0, 255]));
        let flat = read(br#"{"x": "1", "y": {"n": 2}}"#, Format::Json, "").unwrap();
        assert_eq!(text(&flat[1]), r#"{"n":2}"#);
    }

    #[test]
    fn duplicates_binary_in_env_and_collisions_are_refused() {
        assert!(read(b"A=1\nA=2\n", Format::Env, "").is_err());
        let binary = Item {
            name: "b".into(),
            value: ItemValue::Binary(Zeroizing::new(vec![1])),
            description: None,
            tags: Vec::new(),
        };
        assert!(write_env(&[binary], "").is_err());
        let twins: Vec<Item> = ["a-b", "a/b"]
            .iter()
            .map(|n| Item {
                name: n.to_string(),
                value: ItemValue::Text(Zeroizing::new("v".into())),
                description: None,
                tags: Vec::new(),
            })
            .collect();
        assert!(write_env(&twins, "").is_err());
        assert!(read(br#"{"Format":"other/2","Secrets":[]}"#, Format::Json, "").is_err());
    }
}

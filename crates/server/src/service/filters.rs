//! ListSecrets (and BatchGetSecretValue) `Filters`: compile once, match
//! each secret.
//!
//! Owns the matching semantics of the six filter keys plus `all`: which
//! attribute each key looks at, prefix vs word matching, case rules, `!`
//! negation, AND across filters and OR across a filter's values. Pure: the
//! caller supplies a secret's attributes as a `FilterSubject`; this module
//! must not touch the store, and it never sees secret values.
//! Semantics: <https://docs.aws.amazon.com/secretsmanager/latest/userguide/manage_search-secret.html>
//!
//! Decisions where AWS documents nothing (the API reference is silent):
//! * `!v` is the exact complement of `v`: a secret matches `!v` when it does
//!   not match `v`. For keys over several attributes (`tag-key`,
//!   `tag-value`, `all`) that means *no* tag key / tag value / attribute
//!   matches `v`; an absent attribute (no description, no tags, no primary
//!   region, no owning service) never matches `v`, so it always matches
//!   `!v`. Only the first `!` negates; the rest of the value is literal.
//! * Prefix keys (`name`, `tag-key`, `tag-value`, `primary-region`,
//!   `owning-service`) compare the whole value, spaces included, so a
//!   multi-word `name` value matches nothing (names cannot hold spaces) while
//!   a tag value may. An empty value is a prefix of every present attribute.
//! * Word keys (`description`, `all`) split the value *and* the attribute
//!   with one rule (`words`: whitespace, `/ _ + = . @ -`, case changes), so
//!   a value equal to an attribute matches it. AWS documents only whitespace
//!   for `description`; the separators and case changes are what was
//!   observed for `all`, applied to both for one predictable rule. Every
//!   value word must be a case-insensitive prefix of some word of one single
//!   attribute; `all` matches when any one attribute does. A value with no
//!   words (`""`, `"/"`) matches nothing.
//! * Case changes are judged between letters only: a digit never causes a
//!   split (`v2beta` is one word; `Prod1Db` is `Prod1`, `Db`).

use tresor_wire::dto::Filter;
use tresor_wire::{AwsError, ErrorCode};

/// The attributes of one secret that filters look at.
#[derive(Debug, Clone, Copy)]
pub struct FilterSubject<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    /// `(key, value)` pairs.
    pub tags: &'a [(String, String)],
    pub primary_region: Option<&'a str>,
    pub owning_service: Option<&'a str>,
}

/// A request's filters, checked and prepared for matching many secrets.
#[derive(Debug, Clone, Default)]
pub struct SecretFilters {
    filters: Vec<CompiledFilter>,
}

/// One filter: its values, ORed.
#[derive(Debug, Clone)]
struct CompiledFilter {
    values: Vec<FilterValue>,
}

#[derive(Debug, Clone)]
struct FilterValue {
    negated: bool,
    matcher: Matcher,
}

/// What one value (without its `!`) tests, by key.
#[derive(Debug, Clone)]
enum Matcher {
    /// Case-sensitive prefixes of the whole attribute.
    Name(String),
    TagKey(String),
    TagValue(String),
    PrimaryRegion(String),
    OwningService(String),
    /// Lowercased words, each a prefix of some word of the attribute.
    Description(Vec<String>),
    All(Vec<String>),
}

impl Matcher {
    /// How a value of `key` is compiled, or `None` for an unknown key.
    fn for_key(key: &str) -> Option<fn(&str) -> Matcher> {
        Some(match key {
            "name" => |v| Matcher::Name(v.to_string()),
            "tag-key" => |v| Matcher::TagKey(v.to_string()),
            "tag-value" => |v| Matcher::TagValue(v.to_string()),
            "primary-region" => |v| Matcher::PrimaryRegion(v.to_string()),
            "owning-service" => |v| Matcher::OwningService(v.to_string()),
            "description" => |v| Matcher::Description(lowercase_words(v)),
            "all" => |v| Matcher::All(lowercase_words(v)),
            _ => return None,
        })
    }

    fn matches(&self, s: &FilterSubject) -> bool {
        match self {
            Matcher::Name(p) => s.name.starts_with(p.as_str()),
            Matcher::TagKey(p) => s.tags.iter().any(|(k, _)| k.starts_with(p.as_str())),
            Matcher::TagValue(p) => s.tags.iter().any(|(_, v)| v.starts_with(p.as_str())),
            Matcher::PrimaryRegion(p) => {
                s.primary_region.is_some_and(|r| r.starts_with(p.as_str()))
            }
            Matcher::OwningService(p) => {
                s.owning_service.is_some_and(|o| o.starts_with(p.as_str()))
            }
            Matcher::Description(w) => s.description.is_some_and(|d| words_match(w, d)),
            Matcher::All(w) => {
                let matches = |attribute: &str| words_match(w, attribute);
                matches(s.name)
                    || s.description.is_some_and(matches)
                    || s.tags.iter().any(|(k, v)| matches(k) || matches(v))
            }
        }
    }
}

impl SecretFilters {
    /// Semantic checks beyond the model (which already checked key enum,
    /// value pattern and counts): a filter without `Key` or without `Values`
    /// is an `InvalidParameterException`.
    pub fn compile(filters: &[Filter]) -> Result<SecretFilters, AwsError> {
        let mut compiled = Vec::with_capacity(filters.len());
        for filter in filters {
            // The model validator rejects unknown keys first; this repeats
            // the check rather than trusting it.
            let (key, compile) = filter
                .key
                .as_deref()
                .and_then(|k| Some((k, Matcher::for_key(k)?)))
                .ok_or_else(|| invalid("Invalid filter key".to_string()))?;
            let values = match filter.values.as_deref() {
                Some(values) if !values.is_empty() => values,
                _ => return Err(invalid(format!("Invalid filter values for key: {key}"))),
            };
            let values = values
                .iter()
                .map(|value| match value.strip_prefix('!') {
                    Some(rest) => FilterValue {
                        negated: true,
                        matcher: compile(rest),
                    },
                    None => FilterValue {
                        negated: false,
                        matcher: compile(value),
                    },
                })
                .collect();
            compiled.push(CompiledFilter { values });
        }
        Ok(SecretFilters { filters: compiled })
    }

    /// True when there is nothing to filter on: every secret matches.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// Name prefixes that every matching secret's name starts with one of
    /// (a `name` filter without negations; filters AND, so one suffices):
    /// the store can find the candidates by range instead of reading every
    /// secret. `None` when no filter narrows by name.
    pub fn name_prefixes(&self) -> Option<Vec<&str>> {
        self.filters.iter().find_map(|f| {
            f.values
                .iter()
                .map(|v| match (&v.matcher, v.negated) {
                    (Matcher::Name(prefix), false) => Some(prefix.as_str()),
                    _ => None,
                })
                .collect()
        })
    }

    /// Whether `s` passes every filter (AND), each by any of its values (OR).
    pub fn matches(&self, s: &FilterSubject) -> bool {
        self.filters
            .iter()
            .all(|f| f.values.iter().any(|v| v.matcher.matches(s) != v.negated))
    }
}

fn invalid(message: String) -> AwsError {
    AwsError::new(ErrorCode::InvalidParameterException, message)
}

fn lowercase_words(text: &str) -> Vec<String> {
    words(text).map(str::to_lowercase).collect()
}

/// Every (lowercased) value word is a prefix of some word of `attribute`,
/// compared case-insensitively. No value words: no match.
fn words_match(value_words: &[String], attribute: &str) -> bool {
    if value_words.is_empty() {
        return false;
    }
    let attribute_words = lowercase_words(attribute);
    value_words
        .iter()
        .all(|w| attribute_words.iter().any(|a| a.starts_with(w.as_str())))
}

/// Splits text into words as AWS's word-based filters do: on whitespace and
/// on `/ _ + = . @ -`, then where letter case changes — before an uppercase
/// letter that follows a lowercase one (`AppBeta` → `App`, `Beta`) or that
/// starts a lowercase run (`COMPANYthings` → `COMPAN`, `Ythings`).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || "/_+=.@-".contains(c))
        .flat_map(split_on_case)
        .filter(|w| !w.is_empty())
}

fn split_on_case(chunk: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = chunk.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, &(at, c)) in chars.iter().enumerate().skip(1) {
        let after_lower = chars[i - 1].1.is_lowercase();
        let before_lower = chars.get(i + 1).is_some_and(|&(_, n)| n.is_lowercase());
        if c.is_uppercase() && (after_lower || before_lower) && at > start {
            parts.push(&chunk[start..at]);
            start = at;
        }
    }
    parts.push(&chunk[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(key: &str, values: &[&str]) -> Filter {
        Filter {
            key: Some(key.to_string()),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        }
    }

    fn compile(filters: &[Filter]) -> SecretFilters {
        SecretFilters::compile(filters).unwrap()
    }

    #[test]
    fn a_plain_name_filter_narrows_by_prefix() {
        let filter = |key: &str, values: &[&str]| Filter {
            key: Some(key.into()),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        };
        let both = compile(&[
            filter("tag-key", &["team"]),
            filter("name", &["prod/", "dev/"]),
        ]);
        assert_eq!(both.name_prefixes(), Some(vec!["prod/", "dev/"]));
        assert_eq!(
            compile(&[filter("name", &["prod/", "!prod/x"])]).name_prefixes(),
            None
        );
        assert_eq!(
            compile(&[filter("description", &["prod"])]).name_prefixes(),
            None
        );
        assert_eq!(compile(&[]).name_prefixes(), None);
    }

    fn named(name: &str) -> FilterSubject<'_> {
        FilterSubject {
            name,
            description: None,
            tags: &[],
            primary_region: None,
            owning_service: None,
        }
    }

    /// `(filter value, attribute, matches)` rows for one key; `subject`
    /// builds a secret whose attribute for that key is the given text and
    /// applies the matcher to it.
    fn check_rows<'a>(
        key: &str,
        rows: &[(&str, &'a str, bool)],
        subject: impl Fn(&'a str, &dyn Fn(&FilterSubject) -> bool) -> bool,
    ) {
        for &(value, attribute, expected) in rows {
            let filters = compile(&[filter(key, &[value])]);
            let got = subject(attribute, &|s| filters.matches(s));
            assert_eq!(got, expected, "{key} {value:?} against {attribute:?}");
        }
    }

    #[test]
    fn name_is_a_case_sensitive_prefix() {
        check_rows(
            "name",
            &[
                ("Data", "DatabaseSecret", true),
                ("Data", "databaseSecret", false),
                ("Data", "MyData", false),
                ("Data", "Data", true),
                ("/", "/prod/db", true),
                ("/", "prod/db", false),
                ("!/", "prod/db", true),
                ("!/", "/prod/db", false),
                ("testing1 one", "testing1", false),
                ("testing1 one", "testing1-one", false),
                ("!testing1 one", "testing1", true),
                ("", "anything", true),
                ("!", "anything", false),
                // Only the first `!` negates.
                ("!!x", "!x", false),
                ("!!x", "x", true),
            ],
            |name, m| m(&named(name)),
        );
    }

    #[test]
    fn description_is_word_based_and_case_insensitive() {
        check_rows(
            "description",
            &[
                ("My Description", "My Description", true),
                ("My Description", "my description", true),
                ("My Description", "My basic description", true),
                ("My Description", "Description of my secret", true),
                ("My Description", "My secret", false),
                ("a", "a secret", true),
                ("a", "an secret", true),
                ("a", "asecret", true),
                ("a", "thesecret", false),
                ("a secret", "a secret", true),
                ("a secret", "an secret", true),
                ("a secret", "asecret", false),
                ("A", "a secret", true),
                ("!a", "a secret", false),
                ("!a", "thesecret", true),
                ("!c", "a secret", true),
                ("!a secret", "an secret", false),
                ("!a secret", "asecret", true),
                ("", "a secret", false),
                ("!", "a secret", true),
            ],
            |description, m| {
                m(&FilterSubject {
                    description: Some(description),
                    ..named("x")
                })
            },
        );
    }

    #[test]
    fn description_negation_and_multiple_values() {
        // moto's recorded cases: values `one`, `!two` ORed; `!o`.
        let secrets = [
            ("foo", "one two"),
            ("bar", "one and two"),
            ("baz", "one"),
            ("qux", "two"),
            ("none", "unrelated"),
        ];
        let select = |filters: &SecretFilters| -> Vec<&str> {
            secrets
                .iter()
                .filter(|(name, d)| {
                    filters.matches(&FilterSubject {
                        description: Some(d),
                        ..named(name)
                    })
                })
                .map(|(name, _)| *name)
                .collect()
        };
        let one_or_not_two = compile(&[filter("description", &["one", "!two"])]);
        assert_eq!(select(&one_or_not_two), ["foo", "bar", "baz", "none"]);
        let not_o = compile(&[filter("description", &["!o"])]);
        assert_eq!(select(&not_o), ["qux", "none"]);
        let both = compile(&[filter("description", &["one two"])]);
        assert_eq!(select(&both), ["foo", "bar"]);
    }

    #[test]
    fn missing_attributes_never_match_positively() {
        let bare = named("bare");
        for key in [
            "description",
            "tag-key",
            "tag-value",
            "primary-region",
            "owning-service",
        ] {
            assert!(!compile(&[filter(key, &["x"])]).matches(&bare), "{key}");
            assert!(
                !compile(&[filter(key, &[""])]).matches(&bare),
                "{key} empty"
            );
            assert!(
                compile(&[filter(key, &["!x"])]).matches(&bare),
                "{key} negated"
            );
        }
    }

    #[test]
    fn tags_are_case_sensitive_prefixes_of_any_key_or_value() {
        let rows = [
            ("Prod", "Production", true),
            ("Prod", "Prod1", true),
            ("Prod", "prod", false),
            ("Prod", "1 Prod", false),
            ("1 Pr", "1 Prod", true),
            ("!Prod", "prod", true),
            ("!Prod", "Production", false),
        ];
        check_rows("tag-key", &rows, |key, m| {
            let tags = [
                ("other".to_string(), "x".to_string()),
                (key.to_string(), "v".to_string()),
            ];
            m(&FilterSubject {
                tags: &tags,
                ..named("x")
            })
        });
        check_rows("tag-value", &rows, |value, m| {
            let tags = [
                ("k".to_string(), "zzz".to_string()),
                ("k2".to_string(), value.to_string()),
            ];
            m(&FilterSubject {
                tags: &tags,
                ..named("x")
            })
        });
        // tag-key looks only at keys, tag-value only at values.
        let tags = [("Prod".to_string(), "Dev".to_string())];
        let s = FilterSubject {
            tags: &tags,
            ..named("x")
        };
        assert!(compile(&[filter("tag-key", &["Prod"])]).matches(&s));
        assert!(!compile(&[filter("tag-value", &["Prod"])]).matches(&s));
        assert!(!compile(&[filter("tag-key", &["Dev"])]).matches(&s));
        // Negation is over all tags: no key may start with the value.
        let tags = [
            ("Prod".to_string(), "a".to_string()),
            ("Dev".to_string(), "b".to_string()),
        ];
        let s = FilterSubject {
            tags: &tags,
            ..named("x")
        };
        assert!(!compile(&[filter("tag-key", &["!Prod"])]).matches(&s));
        assert!(compile(&[filter("tag-key", &["!Test"])]).matches(&s));
    }

    #[test]
    fn primary_region_and_owning_service_are_prefixes() {
        check_rows(
            "primary-region",
            &[
                ("us-", "us-east-1", true),
                ("us-east-1", "us-east-1", true),
                ("eu", "us-east-1", false),
                ("!eu", "us-east-1", true),
                ("!us", "us-east-1", false),
            ],
            |region, m| {
                m(&FilterSubject {
                    primary_region: Some(region),
                    ..named("x")
                })
            },
        );
        check_rows(
            "owning-service",
            &[
                ("rds", "rds", true),
                ("rd", "rds", true),
                ("RDS", "rds", false),
                ("app", "rds", false),
                ("!app", "rds", true),
            ],
            |service, m| {
                m(&FilterSubject {
                    owning_service: Some(service),
                    ..named("x")
                })
            },
        );
    }

    #[test]
    fn all_matches_words_of_name_description_and_tags() {
        let rows = [
            ("sec", "Secret", true),
            ("SEC", "my-secret", true),
            ("ret", "Secret", false),
            ("beta", "AppBeta", true),
            ("app", "AppBeta", true),
            ("pbeta", "AppBeta", false),
            ("ythings", "COMPANYthings", true),
            ("company", "COMPANYthings", false),
            ("compan", "COMPANYthings", true),
            ("COMPANYthings", "COMPANYthings", true),
            ("db", "prod/db", true),
            ("prod/db", "prod/db", true),
            ("prod db", "prod/db", true),
            ("db", "prod_db", true),
            ("db", "prod+db", true),
            ("db", "prod=db", true),
            ("db", "prod.db", true),
            ("db", "prod@db", true),
            ("db", "prod-db", true),
            ("2beta", "v2beta", false),
            ("!sec", "Secret", false),
            ("!prod", "Secret", true),
            ("", "Secret", false),
            ("/", "/", false),
        ];
        check_rows("all", &rows, |text, m| m(&named(text)));
        check_rows("all", &rows, |text, m| {
            m(&FilterSubject {
                description: Some(text),
                ..named("zzz")
            })
        });
        check_rows("all", &rows, |text, m| {
            let tags = [(text.to_string(), "zzz".to_string())];
            m(&FilterSubject {
                tags: &tags,
                ..named("zzz")
            })
        });
        check_rows("all", &rows, |text, m| {
            let tags = [("zzz".to_string(), text.to_string())];
            m(&FilterSubject {
                tags: &tags,
                ..named("zzz")
            })
        });
    }

    #[test]
    fn all_needs_every_word_in_one_attribute() {
        let tags = [("team".to_string(), "payments".to_string())];
        let s = FilterSubject {
            description: Some("prod database"),
            tags: &tags,
            ..named("svc/api")
        };
        let all = |v: &str| compile(&[filter("all", &[v])]).matches(&s);
        assert!(all("prod data"));
        assert!(all("svc api"));
        assert!(all("pay"));
        assert!(!all("prod api"));
        // Negated `all`: no attribute may match.
        assert!(!all("!pay"));
        assert!(all("!nothing"));
    }

    #[test]
    fn filters_and_values_and_or() {
        let tags = [("right".to_string(), "right".to_string())];
        let foo = FilterSubject {
            tags: &tags,
            ..named("foo")
        };
        let bar = named("bar");
        let values_or = compile(&[filter("name", &["foo", "bar"])]);
        assert!(values_or.matches(&foo) && values_or.matches(&bar));
        let filters_and = compile(&[
            filter("name", &["foo", "bar"]),
            filter("tag-key", &["right"]),
        ]);
        assert!(filters_and.matches(&foo));
        assert!(!filters_and.matches(&bar));
        // The same key twice is still AND.
        let same_key = compile(&[filter("name", &["f"]), filter("name", &["b"])]);
        assert!(!same_key.matches(&foo) && !same_key.matches(&bar));
        let none = compile(&[]);
        assert!(none.is_empty() && none.matches(&bar));
        assert!(!values_or.is_empty());
    }

    #[test]
    fn incomplete_filters_are_invalid_parameters() {
        let no_key = Filter {
            key: None,
            values: Some(vec!["foo".into()]),
        };
        let e = SecretFilters::compile(&[no_key]).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParameterException);
        assert_eq!(e.message, "Invalid filter key");

        let unknown = filter("invalid", &["foo"]);
        let e = SecretFilters::compile(&[unknown]).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParameterException);

        for values in [None, Some(vec![])] {
            let no_values = Filter {
                key: Some("description".into()),
                values,
            };
            let e = SecretFilters::compile(&[filter("name", &["a"]), no_values]).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidParameterException);
            assert_eq!(e.message, "Invalid filter values for key: description");
        }
    }

    #[test]
    fn word_splitting() {
        fn split(s: &str) -> Vec<&str> {
            words(s).collect()
        }
        assert_eq!(split("AppBeta"), ["App", "Beta"]);
        assert_eq!(split("COMPANYthings"), ["COMPAN", "Ythings"]);
        assert_eq!(split("MyDBPassword"), ["My", "DB", "Password"]);
        assert_eq!(
            split("prod/db_main+x=y.z@w-v"),
            ["prod", "db", "main", "x", "y", "z", "w", "v"]
        );
        assert_eq!(split("  a  secret\tthere "), ["a", "secret", "there"]);
        assert_eq!(split("v2beta Prod1Db"), ["v2beta", "Prod1", "Db"]);
        assert_eq!(split("ALLCAPS lower"), ["ALLCAPS", "lower"]);
        assert_eq!(split("/"), Vec::<&str>::new());
        assert_eq!(split(""), Vec::<&str>::new());
        assert_eq!(split("ÉtéÀ"), ["Été", "À"]);
    }
}

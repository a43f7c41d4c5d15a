//! Staging labels and how they move — the heart of Secrets Manager.
//!
//! Pure functions over a secret's label map (label → version id). The
//! rules, as AWS behaves (API reference §3.4):
//! * a label is on at most one version; moving it detaches it elsewhere;
//! * when `AWSCURRENT` moves from P to N, `AWSPREVIOUS` moves to P;
//! * when PutSecretValue/UpdateSecret move `AWSCURRENT` off a P that also
//!   carries `AWSPENDING` (a finished rotation), P loses `AWSPENDING` too;
//! * custom labels move only when named.

use std::collections::BTreeMap;

pub const AWSCURRENT: &str = "AWSCURRENT";
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";
pub const AWSPENDING: &str = "AWSPENDING";

/// At most this many labels across all versions of a secret.
pub const MAX_LABELS_PER_SECRET: usize = 20;

/// label → version id.
pub type Labels = BTreeMap<String, String>;

/// Moves `AWSCURRENT` to `to`, dragging `AWSPREVIOUS` to the old holder.
/// Returns the old holder, if it changed.
pub fn move_current(labels: &mut Labels, to: &str) -> Option<String> {
    let previous = labels.get(AWSCURRENT).cloned();
    match previous {
        Some(p) if p == to => None,
        Some(p) => {
            labels.insert(AWSPREVIOUS.to_string(), p.clone());
            labels.insert(AWSCURRENT.to_string(), to.to_string());
            Some(p)
        }
        None => {
            labels.insert(AWSCURRENT.to_string(), to.to_string());
            None
        }
    }
}

/// Attaches the labels a new value names (PutSecretValue, UpdateSecret,
/// CreateSecret) to version `to`.
///
/// `requested` is `VersionStages`, or `None` for the default `[AWSCURRENT]`.
/// A secret that has no `AWSCURRENT` yet gets it on its first value.
pub fn attach_new_value(labels: &mut Labels, to: &str, requested: Option<&[String]>) {
    let mut wanted: Vec<String> = match requested {
        Some(stages) => stages.to_vec(),
        None => vec![AWSCURRENT.to_string()],
    };
    if !labels.contains_key(AWSCURRENT) && !wanted.iter().any(|s| s == AWSCURRENT) {
        wanted.push(AWSCURRENT.to_string());
    }
    if wanted.iter().any(|s| s == AWSCURRENT)
        && let Some(old) = move_current(labels, to)
        && labels.get(AWSPENDING) == Some(&old)
    {
        // A finished rotation: the old current keeps only AWSPREVIOUS.
        labels.remove(AWSPENDING);
    }
    for stage in wanted.iter().filter(|s| *s != AWSCURRENT) {
        labels.insert(stage.clone(), to.to_string());
    }
}

/// The labels on one version, sorted.
pub fn stages_of(labels: &Labels, version_id: &str) -> Vec<String> {
    labels
        .iter()
        .filter(|(_, v)| *v == version_id)
        .map(|(l, _)| l.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(labels: &mut Labels, v: &str, stages: Option<&[&str]>) {
        let stages: Option<Vec<String>> = stages.map(|s| s.iter().map(|x| x.to_string()).collect());
        attach_new_value(labels, v, stages.as_deref());
    }

    fn on(labels: &Labels, v: &str) -> Vec<String> {
        stages_of(labels, v)
    }

    fn set(items: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn golden_1_puts_rotate_current_and_previous() {
        let mut l = Labels::new();
        put(&mut l, "v1", None);
        assert_eq!(on(&l, "v1"), set(&["AWSCURRENT"]));
        put(&mut l, "v2", None);
        assert_eq!(on(&l, "v1"), set(&["AWSPREVIOUS"]));
        assert_eq!(on(&l, "v2"), set(&["AWSCURRENT"]));
        put(&mut l, "v3", None);
        assert!(on(&l, "v1").is_empty());
        assert_eq!(on(&l, "v2"), set(&["AWSPREVIOUS"]));
        assert_eq!(on(&l, "v3"), set(&["AWSCURRENT"]));
    }

    #[test]
    fn golden_2_pending_then_promote() {
        let mut l = Labels::new();
        put(&mut l, "v1", None);
        put(&mut l, "v2", Some(&["AWSPENDING"]));
        assert_eq!(on(&l, "v1"), set(&["AWSCURRENT"]));
        assert_eq!(on(&l, "v2"), set(&["AWSPENDING"]));
        move_current(&mut l, "v2");
        assert_eq!(on(&l, "v1"), set(&["AWSPREVIOUS"]));
        assert_eq!(on(&l, "v2"), set(&["AWSCURRENT", "AWSPENDING"]));
        put(&mut l, "v3", Some(&["AWSPENDING"]));
        assert_eq!(on(&l, "v2"), set(&["AWSCURRENT"]));
        assert_eq!(on(&l, "v3"), set(&["AWSPENDING"]));
        move_current(&mut l, "v3");
        assert!(on(&l, "v1").is_empty());
        assert_eq!(on(&l, "v2"), set(&["AWSPREVIOUS"]));
        assert_eq!(on(&l, "v3"), set(&["AWSCURRENT", "AWSPENDING"]));
    }

    #[test]
    fn golden_3_custom_labels_move_only_when_named() {
        let mut l = Labels::new();
        put(&mut l, "v1", None);
        put(&mut l, "v2", Some(&["one", "two", "three"]));
        put(&mut l, "v3", Some(&["one", "two", "four"]));
        assert_eq!(on(&l, "v1"), set(&["AWSCURRENT"]));
        assert_eq!(on(&l, "v2"), set(&["three"]));
        assert_eq!(on(&l, "v3"), set(&["four", "one", "two"]));
        put(&mut l, "v4", Some(&["one", "two", "three", "four"]));
        assert!(on(&l, "v2").is_empty());
    }

    #[test]
    fn golden_4_mixed_labels() {
        let mut l = Labels::new();
        put(&mut l, "v1", None);
        put(&mut l, "v2", Some(&["AWSCURRENT", "PUT0"]));
        assert_eq!(on(&l, "v1"), set(&["AWSPREVIOUS"]));
        put(&mut l, "v3", Some(&["AWSPENDING", "PUT1"]));
        move_current(&mut l, "v3");
        assert_eq!(on(&l, "v2"), set(&["AWSPREVIOUS", "PUT0"]));
        assert_eq!(on(&l, "v3"), set(&["AWSCURRENT", "AWSPENDING", "PUT1"]));
        put(&mut l, "v4", Some(&["AWSPENDING", "PUT2"]));
        assert_eq!(on(&l, "v3"), set(&["AWSCURRENT", "PUT1"]));
        move_current(&mut l, "v4");
        assert_eq!(on(&l, "v2"), set(&["PUT0"]));
        assert_eq!(on(&l, "v3"), set(&["AWSPREVIOUS", "PUT1"]));
        assert_eq!(on(&l, "v4"), set(&["AWSCURRENT", "AWSPENDING", "PUT2"]));
    }

    #[test]
    fn golden_5_custom_pending_label() {
        let mut l = Labels::new();
        put(&mut l, "v1", None);
        put(&mut l, "v2", Some(&["PENDING"]));
        move_current(&mut l, "v2");
        assert_eq!(on(&l, "v1"), set(&["AWSPREVIOUS"]));
        assert_eq!(on(&l, "v2"), set(&["AWSCURRENT", "PENDING"]));
        l.remove("PENDING");
        assert_eq!(on(&l, "v2"), set(&["AWSCURRENT"]));
    }

    #[test]
    fn put_over_a_finished_rotation_clears_pending() {
        // AWS snapshot test_update_secret_version_stages_current_pending.
        let mut l = Labels::new();
        put(&mut l, "v1", None);
        put(&mut l, "v2", Some(&["AWSPENDING"]));
        move_current(&mut l, "v2");
        put(&mut l, "v3", None);
        assert_eq!(on(&l, "v2"), set(&["AWSPREVIOUS"]));
        assert_eq!(on(&l, "v3"), set(&["AWSCURRENT"]));
        assert!(!l.contains_key(AWSPENDING));
    }

    #[test]
    fn first_value_always_gets_current() {
        let mut l = Labels::new();
        put(&mut l, "v1", Some(&["custom"]));
        assert_eq!(on(&l, "v1"), set(&["AWSCURRENT", "custom"]));
    }

    #[test]
    fn previous_is_taken_from_the_new_current() {
        let mut l = Labels::new();
        put(&mut l, "v1", None);
        put(&mut l, "v2", None);
        // v1 has AWSPREVIOUS; moving AWSCURRENT back to v1 gives AWSPREVIOUS to v2.
        move_current(&mut l, "v1");
        assert_eq!(on(&l, "v1"), set(&["AWSCURRENT"]));
        assert_eq!(on(&l, "v2"), set(&["AWSPREVIOUS"]));
    }
}

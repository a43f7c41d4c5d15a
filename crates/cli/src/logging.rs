//! Logs of the server and the agent: `tracing` events to standard error,
//! human lines by default or one JSON object per line, filtered per module.
//!
//! `--log-level` / `log_level` takes a plain level (`debug`) or tracing
//! directives (`info,tresor_server::store=debug`). What may be logged at
//! all (never a secret value, key, signature or token) is the business of
//! the code that logs, not of this module.

use std::io::IsTerminal;

use anyhow::{anyhow, bail};
use tracing_subscriber::EnvFilter;

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

const USAGE: &str = "use error, warn, info, debug, trace or off, or per-module directives \
                     such as `info,tresor_server::store=debug`";

/// Installs the global subscriber. `format` is `json` or anything else for
/// human lines.
pub fn init(spec: &str, format: &str) -> anyhow::Result<()> {
    let (filter, per_module) = filter(spec)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // Machines filter on the module, so JSON always names it; human lines
    // name it only when the operator asked for levels per module.
    match format {
        "json" => builder.json().with_target(true).init(),
        _ => builder.with_target(per_module).init(),
    }
    Ok(())
}

/// The filter `spec` describes, and whether it names modules.
fn filter(spec: &str) -> anyhow::Result<(EnvFilter, bool)> {
    let directives: Vec<&str> = spec
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    if directives.is_empty() {
        bail!("the log level is empty: {USAGE}");
    }
    // tracing reads a bare word as a module to log at `trace`, so a
    // misspelt level would silently log nothing it was meant to.
    if let Some(bad) = directives
        .iter()
        .find(|d| !d.contains('=') && !LEVELS.iter().any(|l| l.eq_ignore_ascii_case(d)))
    {
        bail!("unknown log level {bad:?}: {USAGE}");
    }
    let filter = EnvFilter::builder()
        .with_regex(false)
        .parse(directives.join(","))
        .map_err(|e| anyhow!("invalid log level {spec:?}: {e}; {USAGE}"))?;
    Ok((filter, directives.iter().any(|d| d.contains('='))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(spec: &str) -> String {
        filter(spec).map(|(f, _)| f.to_string()).unwrap()
    }

    fn refused(spec: &str) -> String {
        filter(spec).expect_err("refused").to_string()
    }

    #[test]
    fn plain_levels_in_any_case() {
        for level in ["error", "WARN", "Info", "debug", "trace", "off"] {
            assert_eq!(shown(level), level.to_lowercase());
            assert!(!filter(level).unwrap().1, "a plain level names no module");
        }
    }

    #[test]
    fn per_module_directives() {
        let (f, per_module) = filter("info, tresor_server::store=debug,hyper=warn").unwrap();
        assert!(per_module);
        let text = f.to_string();
        for part in ["tresor_server::store=debug", "hyper=warn", "info"] {
            assert!(text.contains(part), "{text}");
        }
    }

    #[test]
    fn a_misspelt_level_is_refused_not_read_as_a_module() {
        let e = refused("debgu");
        assert!(e.contains("unknown log level \"debgu\""), "{e}");
        assert!(e.contains("tresor_server::store=debug"), "{e}");
        assert!(refused("info,tresor_server").contains("\"tresor_server\""));
    }

    #[test]
    fn a_bad_level_in_a_directive_is_refused() {
        let e = refused("info,tresor_server=loud");
        assert!(
            e.contains("invalid log level \"info,tresor_server=loud\""),
            "{e}"
        );
    }

    #[test]
    fn an_empty_level_is_refused() {
        assert!(refused("").contains("empty"));
        assert!(refused(" , ").contains("empty"));
    }
}

//! Process hardening applied before any secret is loaded.
//!
//! No core dumps (they would contain keys and secret values in clear), and
//! the process is not dumpable, so other processes of the same user cannot
//! attach to it or read its memory through /proc.

pub fn harden_process() {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    let no_core = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = setrlimit(Resource::Core, no_core) {
        tracing::warn!(error = %e, "could not disable core dumps");
    }
    if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        tracing::warn!(error = %e, "could not mark the process non-dumpable");
    }
}

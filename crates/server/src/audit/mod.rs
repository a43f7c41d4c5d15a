//! The audit trail: one CloudTrail-shaped event per API request, stored
//! hash-chained and MAC'd, with signed checkpoints; fail-closed.
//!
//! Owns what a record says (`record`), what it may say about a request's
//! members (`classify`, with the table in `fields.txt`), the integrity
//! scheme (`chain`), appending under a bounded wait (`trail`), the
//! per-request scope that lets a change and its event commit in one
//! transaction (`scope`), pruning old events (`retention`), mirroring to a
//! file or stdout (`mirror`), reading it back (`export`) and checking an exported log offline
//! (`verify`).
//! It stores through `store` and takes its keys from `kms`; it never sees
//! HTTP.

pub mod chain;
pub mod classify;
mod export;
mod mirror;
pub mod record;
mod retention;
mod scope;
mod trail;
pub mod verify;

pub use export::{ExportPage, StoredReport, export_page, page_from, verify_stored};
pub use mirror::{MirrorTarget, mirror_step};
pub use record::{Draft, Outcome};
pub use retention::{Pruned, prune};
pub use scope::{RequestScope, WriteTicket, current};
pub use trail::{AuditSettings, AuditTrail, unavailable};

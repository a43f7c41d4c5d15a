//! The integration tests of tresor-policy, through its public API only.
//!
//! `examples`: AWS's Secrets Manager resource policies and other valid
//! documents, and what they parse to. `invalid`: one row per rejection rule,
//! with the message it must give (`invalid_conditions` for the
//! `Condition` element). `public`: the public-access rule.
//! `order`: statement and key order do not change what a policy means.
//! `support`: small builders shared by the tables.

mod eval_conditions;
mod eval_decision;
mod eval_examples;
mod eval_matching;
mod eval_rules;
mod eval_support;
mod eval_variables;
mod examples;
mod invalid;
mod invalid_conditions;
mod order;
mod public;
mod support;

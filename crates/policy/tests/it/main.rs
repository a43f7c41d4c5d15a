//! The integration tests of tresor-policy, through its public API only.
//!
//! `examples`: AWS's Secrets Manager resource policies and other valid
//! documents, and what they parse to. `invalid`: one row per rejection rule,
//! with the message it must give (`invalid_conditions` for the
//! `Condition` element). `public`: the public-access rule.
//! `order`: statement and key order do not change what a policy means.
//! `support`: small builders shared by the tables.
//!
//! Evaluation: `eval_decision` (I1–I5), `eval_matching` (I6–I9),
//! `eval_conditions` (I10–I13, I16, every operator family),
//! `eval_variables` (I14, I15), `eval_rules` (I17–I20), `eval_examples`
//! (AWS's Secrets Manager, KMS and trust policy examples), with builders in
//! `eval_support`. `model` is an independent reference evaluator,
//! `model_gen` generates random policies and requests, and `model_props`
//! compares the crate against the model and checks metamorphic properties.

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
mod model;
mod model_gen;
mod model_props;
mod order;
mod public;
mod support;

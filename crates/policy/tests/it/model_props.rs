//! Property tests: the crate against the reference model (`model`) on
//! random small policies and requests (`model_gen`), and metamorphic
//! properties that hold whatever the semantics' details.
//!
//! Deterministic: a fixed seed, so CI sees the same 10,000+ cases every run
//! and a failure reproduces. Set `TRESOR_PROPTEST_SEED=<u64>` to explore
//! other cases locally (the failing seed is printed), and
//! `TRESOR_PROPTEST_CASES=<n>` to run more.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use tresor_policy::{
    CompiledPolicy, PolicyDocument, PolicyResult, PolicySet, RequestContext, parse,
};

use crate::model::{self, MCtx, MPolicy, MResult};
use crate::model_gen::{context, deny_statement, focused_policy, policy, to_context, to_json};

const DEFAULT_SEED: u64 = 0x7265_736f_7274_2d31;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn runner(default_cases: u32) -> TestRunner {
    let seed = env_u64("TRESOR_PROPTEST_SEED").unwrap_or(DEFAULT_SEED);
    let cases = env_u64("TRESOR_PROPTEST_CASES").map_or(default_cases, |n| n as u32);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    eprintln!("proptest seed {seed}, {cases} cases");
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    if let Err(e) = runner(cases).run(&strategy, test) {
        panic!("{e}");
    }
}

fn parse_text(text: &str) -> Result<PolicyDocument, TestCaseError> {
    parse(text)
        .map_err(|e| TestCaseError::fail(format!("generated an invalid policy: {e}\n{text}")))
}

fn parsed(p: &MPolicy, seed: u64) -> Result<PolicyDocument, TestCaseError> {
    parse_text(&to_json(p, seed))
}

fn to_model(r: PolicyResult) -> MResult {
    match r {
        PolicyResult::ExplicitDeny => MResult::Deny,
        PolicyResult::Allow => MResult::Allow,
        PolicyResult::AllowByAccount => MResult::ByAccount,
        PolicyResult::NotApplicable => MResult::None,
    }
}

/// Both kinds of evaluation, by document and by compiled policy, which must
/// agree.
fn both(
    doc: &PolicyDocument,
    ctx: &RequestContext,
) -> Result<(PolicyResult, PolicyResult), TestCaseError> {
    let compiled = CompiledPolicy::new(doc);
    let by_doc = (doc.evaluate_identity(ctx), doc.evaluate_resource(ctx));
    let by_compiled = (
        compiled.evaluate_identity(ctx),
        compiled.evaluate_resource(ctx),
    );
    prop_assert_eq!(by_doc, by_compiled);
    Ok(by_doc)
}

/// The crate's identity and resource results for one case equal the
/// model's. With `via_document`, also checks `PolicyDocument::evaluate_*`
/// against `CompiledPolicy` (the larger run skips that, for time).
fn agrees(p: &MPolicy, c: &MCtx, seed: u64, via_document: bool) -> Result<(), TestCaseError> {
    let text = to_json(p, seed);
    let doc = parse_text(&text)?;
    let ctx = to_context(c);
    let (id, res) = if via_document {
        both(&doc, &ctx)?
    } else {
        let compiled = CompiledPolicy::new(&doc);
        (
            compiled.evaluate_identity(&ctx),
            compiled.evaluate_resource(&ctx),
        )
    };
    let want = (model::evaluate(p, c, true), model::evaluate(p, c, false));
    prop_assert_eq!(
        (to_model(id), to_model(res)),
        want,
        "(identity, resource)\n{}\n{:?}",
        text,
        ctx
    );
    Ok(())
}

/// The crate agrees with the model, for identity and resource evaluation.
#[test]
fn crate_agrees_with_reference_model() {
    run(
        10_000,
        (policy(), context(), any::<u64>()),
        |(p, c, seed)| agrees(&p, &c, seed, false),
    );
}

/// The same on one-statement documents where a single element is random,
/// so each case's outcome turns on one matcher.
#[test]
fn crate_agrees_with_reference_model_one_element_at_a_time() {
    run(
        10_000,
        (focused_policy(), context(), any::<u64>()),
        |(p, c, seed)| agrees(&p, &c, seed, true),
    );
}

/// Outcome counts of `n` generated cases, by (identity?, result).
fn outcomes<S: Strategy<Value = (MPolicy, MCtx)>>(
    strategy: S,
    n: u32,
) -> HashMap<(bool, MResult), u32> {
    let mut counts = HashMap::new();
    let mut rng_runner = runner(n);
    for _ in 0..n {
        let (p, c) = strategy
            .new_tree(&mut rng_runner)
            .expect("generate")
            .current();
        for as_identity in [true, false] {
            *counts
                .entry((as_identity, model::evaluate(&p, &c, as_identity)))
                .or_insert(0) += 1;
        }
    }
    counts
}

/// The generators reach every outcome often enough for the comparisons to
/// mean something.
#[test]
fn generators_cover_every_outcome() {
    let at_least = |counts: &HashMap<(bool, MResult), u32>, key: (bool, MResult), min: u32| {
        let n = counts.get(&key).copied().unwrap_or(0);
        assert!(n >= min, "{key:?}: only {n} ({counts:?})");
    };
    let main = outcomes((policy(), context()), 2_000);
    let focused = outcomes((focused_policy(), context()), 2_000);
    for as_identity in [true, false] {
        for r in [MResult::Deny, MResult::Allow, MResult::None] {
            at_least(&main, (as_identity, r), 50);
            at_least(&focused, (as_identity, r), 100);
        }
    }
    at_least(&main, (false, MResult::ByAccount), 10);
    at_least(&focused, (false, MResult::ByAccount), 20);
}

/// How permissive a result is, for "never more permissive" checks.
fn grant_level(r: PolicyResult) -> u8 {
    match r {
        PolicyResult::ExplicitDeny | PolicyResult::NotApplicable => 0,
        PolicyResult::AllowByAccount => 1,
        PolicyResult::Allow => 2,
    }
}

/// Adding a Deny statement never grants: the result stays or becomes
/// `ExplicitDeny`.
#[test]
fn adding_a_deny_never_grants() {
    run(
        1_000,
        (policy(), deny_statement(), context(), any::<u64>()),
        |(p, deny, c, seed)| {
            let ctx = to_context(&c);
            let before = both(&parsed(&p, seed)?, &ctx)?;
            let mut more = p.clone();
            more.statements.push(deny);
            let after = both(&parsed(&more, seed)?, &ctx)?;
            for (b, a) in [(before.0, after.0), (before.1, after.1)] {
                prop_assert!(
                    a == b || a == PolicyResult::ExplicitDeny,
                    "{:?} -> {:?}",
                    b,
                    a
                );
            }
            Ok(())
        },
    );
}

/// Removing an Allow statement never grants more and never changes a Deny.
#[test]
fn removing_an_allow_never_grants() {
    run(
        1_000,
        (
            policy(),
            context(),
            any::<u64>(),
            any::<prop::sample::Index>(),
        ),
        |(p, c, seed, pick)| {
            let allows: Vec<usize> = (0..p.statements.len())
                .filter(|&i| p.statements[i].allow)
                .collect();
            if allows.is_empty() || p.statements.len() < 2 {
                return Ok(());
            }
            let ctx = to_context(&c);
            let before = both(&parsed(&p, seed)?, &ctx)?;
            let mut fewer = p.clone();
            fewer.statements.remove(allows[pick.index(allows.len())]);
            let after = both(&parsed(&fewer, seed)?, &ctx)?;
            for (b, a) in [(before.0, after.0), (before.1, after.1)] {
                prop_assert_eq!(
                    a == PolicyResult::ExplicitDeny,
                    b == PolicyResult::ExplicitDeny
                );
                prop_assert!(grant_level(a) <= grant_level(b), "{:?} -> {:?}", b, a);
            }
            Ok(())
        },
    );
}

/// Statement order and JSON member order carry no meaning.
#[test]
fn order_never_matters() {
    run(
        1_000,
        (policy(), context(), any::<u64>(), any::<u64>()),
        |(p, c, seed1, seed2)| {
            let ctx = to_context(&c);
            let first = both(&parsed(&p, seed1)?, &ctx)?;
            let reshuffled = both(&parsed(&p, seed2)?, &ctx)?;
            prop_assert_eq!(first, reshuffled);
            let mut reversed = p.clone();
            reversed.statements.reverse();
            prop_assert_eq!(first, both(&parsed(&reversed, seed2)?, &ctx)?);
            let mut rotated = p.clone();
            rotated.statements.rotate_left(1);
            prop_assert_eq!(first, both(&parsed(&rotated, seed1)?, &ctx)?);
            Ok(())
        },
    );
}

/// A set of documents evaluates to the combination of its members (any
/// order), and the empty set to `NotApplicable`.
#[test]
fn sets_combine_their_members() {
    let docs = prop::collection::vec(policy(), 0..4);
    run(1_000, (docs, context()), |(ps, c): (Vec<MPolicy>, MCtx)| {
        let ctx = to_context(&c);
        let docs: Vec<PolicyDocument> =
            ps.iter().map(|p| parsed(p, 7)).collect::<Result<_, _>>()?;
        let set: PolicySet = docs.iter().collect();
        let reversed: PolicySet = docs.iter().rev().collect();
        let id = PolicyResult::combine_all(docs.iter().map(|d| d.evaluate_identity(&ctx)));
        let res = PolicyResult::combine_all(docs.iter().map(|d| d.evaluate_resource(&ctx)));
        prop_assert_eq!(set.evaluate_identity(&ctx), id);
        prop_assert_eq!(set.evaluate_resource(&ctx), res);
        prop_assert_eq!(reversed.evaluate_identity(&ctx), id);
        prop_assert_eq!(reversed.evaluate_resource(&ctx), res);
        if docs.is_empty() {
            prop_assert_eq!(id, PolicyResult::NotApplicable);
            prop_assert_eq!(res, PolicyResult::NotApplicable);
        }
        Ok(())
    });
}

/// Keys a document does not list in `context_keys` never change its result
/// (the I20 cache-key property).
#[test]
fn unlisted_keys_never_matter() {
    run(1_000, (policy(), context(), context()), |(p, c, noise)| {
        let doc = parsed(&p, 3)?;
        let listed = CompiledPolicy::new(&doc).context_keys();
        let ctx = to_context(&c);
        let mut noisy = ctx.clone();
        // Replace every key the policy does not read with the noise
        // context's value (or remove it).
        for (k, _) in ctx.keys.iter() {
            if !listed.contains(k) {
                noisy.keys.remove(k);
            }
        }
        for (k, v) in to_context(&noise).keys.iter() {
            if !listed.contains(k) {
                match v {
                    tresor_policy::ContextValue::Single(s) => noisy.keys.set(k, s.clone()),
                    tresor_policy::ContextValue::Multi(vs) => noisy.keys.set_multi(k, vs.clone()),
                }
            }
        }
        prop_assert_eq!(both(&doc, &ctx)?, both(&doc, &noisy)?);
        Ok(())
    });
}

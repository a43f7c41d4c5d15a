//! A reference model of policy evaluation, written from the documented
//! semantics (security.md §7 and the module docs of `src/eval`) without
//! looking at how `src/eval` computes them: plain data instead of parsed
//! documents, a brute-force recursive wildcard matcher, variables
//! substituted by scanning characters, IP blocks compared in one 128-bit
//! space, principals as direct set checks. Slow and obvious on purpose; the
//! property tests (`model_props`) compare the crate against it.
//!
//! Shared with the crate only: `Timestamp::parse` and `is_base64` (value
//! grammars, tested on their own) — the model has no business re-deriving
//! calendars.

use std::net::IpAddr;

use tresor_policy::{Timestamp, is_base64};

/// A policy as generated: what the JSON says, nothing parsed.
#[derive(Debug, Clone)]
pub struct MPolicy {
    /// `Some("2012-10-17")`, `Some("2008-10-17")` or no Version member.
    pub version: Option<&'static str>,
    pub statements: Vec<MStatement>,
}

#[derive(Debug, Clone)]
pub struct MStatement {
    pub allow: bool,
    pub principal: Option<MPrincipal>,
    pub not_action: bool,
    pub actions: Vec<String>,
    /// `(NotResource, patterns)`.
    pub resource: Option<(bool, Vec<String>)>,
    /// `(operator name, key, values)`; operators and keys unique as the
    /// JSON requires.
    pub conditions: Vec<(String, String, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct MPrincipal {
    pub negated: bool,
    /// `"*"` rather than a map.
    pub star: bool,
    /// `(type, id)`.
    pub entries: Vec<(&'static str, String)>,
}

#[derive(Debug, Clone)]
pub struct MCaller {
    pub arns: Vec<String>,
    pub account: String,
    pub federated: Option<String>,
    pub service: Option<String>,
}

#[derive(Debug, Clone)]
pub enum MVal {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct MCtx {
    pub action: String,
    pub resource: String,
    pub caller: Option<MCaller>,
    /// Names unique case-insensitively.
    pub keys: Vec<(String, MVal)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MResult {
    Deny,
    Allow,
    ByAccount,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum T {
    C(char),
    Star,
    Q,
}

/// Brute force: try every split for `*`.
fn glob(p: &[T], s: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((T::Star, rest)) => (0..=s.len()).any(|i| glob(rest, &s[i..])),
        Some((T::Q, rest)) => !s.is_empty() && glob(rest, &s[1..]),
        Some((T::C(c), rest)) => s.first() == Some(c) && glob(rest, &s[1..]),
    }
}

fn glob_str(p: &[T], s: &str) -> bool {
    glob(p, &s.chars().collect::<Vec<_>>())
}

impl MCtx {
    fn lookup(&self, name: &str) -> Option<&MVal> {
        let want = name.to_lowercase();
        self.keys
            .iter()
            .find(|(k, _)| k.to_lowercase() == want)
            .map(|(_, v)| v)
    }

    /// Present, non-empty values.
    fn values(&self, name: &str) -> Option<Vec<String>> {
        match self.lookup(name)? {
            MVal::One(v) => Some(vec![v.clone()]),
            MVal::Many(vs) if vs.is_empty() => None,
            MVal::Many(vs) => Some(vs.clone()),
        }
    }
}

fn bad_name(name: &str) -> bool {
    name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "${}'".contains(c))
}

/// Substitutes variables (when `vars`) and reads `*` / `?` as wildcards
/// (when `wild`). `None`: something did not resolve.
fn substitute(text: &str, vars: bool, wild: bool, ctx: &MCtx) -> Option<Vec<T>> {
    let cs: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        if vars && cs[i] == '$' && cs.get(i + 1) == Some(&'{') {
            // The variable ends at the first `}` outside single quotes.
            let mut j = i + 2;
            let mut quoted = false;
            while j < cs.len() && (quoted || cs[j] != '}') {
                if cs[j] == '\'' {
                    quoted = !quoted;
                }
                j += 1;
            }
            if j >= cs.len() {
                return None;
            }
            let inner: String = cs[i + 2..j].iter().collect();
            i = j + 1;
            if inner == "*" || inner == "?" || inner == "$" {
                out.push(T::C(inner.chars().next().unwrap()));
                continue;
            }
            let (name, default) = match inner.split_once(',') {
                None => (inner.as_str(), None),
                Some((name, rest)) => {
                    let d = rest.trim_start_matches(' ').trim_end_matches(' ');
                    let ok = d.len() >= 2
                        && d.starts_with('\'')
                        && d.ends_with('\'')
                        && d[1..d.len() - 1].chars().all(|c| c != '\'');
                    if !ok {
                        return None;
                    }
                    (name, Some(d[1..d.len() - 1].to_string()))
                }
            };
            if bad_name(name) {
                return None;
            }
            let value = match (ctx.lookup(name), default) {
                (Some(MVal::One(v)), _) => v.clone(),
                (_, Some(d)) => d,
                _ => return None,
            };
            out.extend(value.chars().map(T::C));
            continue;
        }
        out.push(match cs[i] {
            '*' if wild => T::Star,
            '?' if wild => T::Q,
            c => T::C(c),
        });
        i += 1;
    }
    Some(out)
}

fn text(ts: &[T]) -> String {
    ts.iter()
        .map(|t| match t {
            T::C(c) => *c,
            T::Star => '*',
            T::Q => '?',
        })
        .collect()
}

/// Six segments; with `vars`, colons between `${` and the next `}` do not
/// cut.
fn segments(s: &str, vars: bool) -> Option<Vec<String>> {
    let cs: Vec<char> = s.chars().collect();
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut in_var = false;
    for (i, &c) in cs.iter().enumerate() {
        if parts.len() == 5 {
            cur.push(c);
            continue;
        }
        if vars && c == '{' && i > 0 && cs[i - 1] == '$' {
            in_var = true;
        }
        if vars && c == '}' {
            in_var = false;
        }
        if c == ':' && !in_var {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if parts.len() < 5 {
        return None;
    }
    parts.push(cur);
    Some(parts)
}

fn arn_like(pattern: &str, arn: &str, vars: bool, ctx: &MCtx) -> bool {
    if pattern == "*" {
        return true;
    }
    let (Some(ps), Some(rs)) = (segments(pattern, vars), segments(arn, false)) else {
        return false;
    };
    ps.iter()
        .zip(&rs)
        .all(|(p, r)| substitute(p, vars, true, ctx).is_some_and(|toks| glob_str(&toks, r)))
}

fn number(s: &str) -> Option<f64> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let mut parts = body.split('.');
    let int = parts.next()?;
    let frac = parts.next();
    let digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
    if parts.next().is_some() || !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    s.parse().ok()
}

/// Every address as 128 bits, IPv4 as `::ffff:a.b.c.d`.
fn v6bits(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn in_block(block: &str, addr: &str) -> bool {
    let Ok(a) = addr.parse::<IpAddr>() else {
        return false;
    };
    let (net, len) = match block.split_once('/') {
        Some((n, l)) => (n, l.parse::<u32>().ok()),
        None => (block, None),
    };
    let Ok(n) = net.parse::<IpAddr>() else {
        return false;
    };
    let len = match (n, len) {
        (IpAddr::V4(_), Some(l)) => l + 96,
        (IpAddr::V4(_), None) => 128,
        (IpAddr::V6(_), Some(l)) => l,
        (IpAddr::V6(_), None) => 128,
    };
    let shift = 128 - len;
    shift == 128 || (v6bits(n) >> shift) == (v6bits(a) >> shift)
}

fn boolean(s: &str) -> Option<bool> {
    match s.to_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Does request value `r` match policy value `p` under the positive form
/// of operator `base`?
fn positive(base: &str, p: &str, r: &str, vars: bool, ctx: &MCtx) -> bool {
    let num = || number(p).zip(number(r));
    let date = || Timestamp::parse(p).zip(Timestamp::parse(r));
    match base {
        "StringEquals" | "StringNotEquals" => {
            substitute(p, vars, false, ctx).is_some_and(|t| text(&t) == r)
        }
        "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => substitute(p, vars, false, ctx)
            .is_some_and(|t| text(&t).to_lowercase() == r.to_lowercase()),
        "StringLike" | "StringNotLike" => {
            substitute(p, vars, true, ctx).is_some_and(|t| glob_str(&t, r))
        }
        "NumericEquals" | "NumericNotEquals" => num().is_some_and(|(p, r)| r == p),
        "NumericLessThan" => num().is_some_and(|(p, r)| r < p),
        "NumericLessThanEquals" => num().is_some_and(|(p, r)| r <= p),
        "NumericGreaterThan" => num().is_some_and(|(p, r)| r > p),
        "NumericGreaterThanEquals" => num().is_some_and(|(p, r)| r >= p),
        "DateEquals" | "DateNotEquals" => date().is_some_and(|(p, r)| r == p),
        "DateLessThan" => date().is_some_and(|(p, r)| r < p),
        "DateLessThanEquals" => date().is_some_and(|(p, r)| r <= p),
        "DateGreaterThan" => date().is_some_and(|(p, r)| r > p),
        "DateGreaterThanEquals" => date().is_some_and(|(p, r)| r >= p),
        "Bool" => {
            let pv = substitute(p, vars, false, ctx).and_then(|t| boolean(&text(&t)));
            pv.is_some() && pv == boolean(r)
        }
        // Generated encodings are canonical, so equal bytes are equal text.
        "BinaryEquals" => is_base64(p) && is_base64(r) && p == r,
        "IpAddress" | "NotIpAddress" => in_block(p, r),
        "ArnEquals" | "ArnLike" | "ArnNotEquals" | "ArnNotLike" => arn_like(p, r, vars, ctx),
        other => panic!("model: unknown operator {other}"),
    }
}

fn negated(base: &str) -> bool {
    base.contains("Not")
}

fn condition(op: &str, key: &str, values: &[String], vars: bool, ctx: &MCtx) -> bool {
    let (set, rest) = match op.split_once(':') {
        Some((q, rest)) => (Some(q), rest),
        None => (None, op),
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    let present = ctx.values(key);
    if base == "Null" {
        let absent = present.is_none();
        return values.iter().any(|v| (v == "true") == absent);
    }
    let Some(request) = present else {
        return if_exists
            || match set {
                Some("ForAllValues") => true,
                Some("ForAnyValue") => false,
                _ => negated(base),
            };
    };
    let pos = |r: &String| values.iter().any(|p| positive(base, p, r, vars, ctx));
    let neg = negated(base);
    match set {
        None if neg => request.iter().all(|r| !pos(r)),
        None => request.iter().any(pos),
        Some("ForAnyValue") => request.iter().any(|r| pos(r) != neg),
        Some("ForAllValues") => request.iter().all(|r| pos(r) != neg),
        Some(other) => panic!("model: unknown qualifier {other}"),
    }
}

fn root_of(id: &str) -> Option<&str> {
    let parts: Vec<&str> = id.splitn(6, ':').collect();
    (parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5] == "root")
        .then(|| parts[4])
}

/// 2 = direct, 1 = by account, `None` = does not apply.
fn principal(p: &MPrincipal, allow: bool, caller: Option<&MCaller>) -> Option<u8> {
    let everyone = p.star || p.entries.iter().any(|(k, id)| *k == "AWS" && id == "*");
    let aws = || {
        p.entries
            .iter()
            .filter(|(k, _)| *k == "AWS")
            .map(|(_, id)| id)
    };
    if !p.negated {
        if everyone {
            return Some(2);
        }
        let c = caller?;
        let mut best = None;
        for (kind, id) in &p.entries {
            let g = match *kind {
                "AWS" => match root_of(id) {
                    Some(acct) => (acct == c.account).then_some(1),
                    None if *id == c.account => Some(1),
                    None => c.arns.contains(id).then_some(2),
                },
                "Service" => (c.service.as_ref() == Some(id)).then_some(2),
                "Federated" => (c.federated.as_ref() == Some(id)).then_some(2),
                _ => None,
            };
            best = best.max(g);
        }
        return best;
    }
    let excluded = everyone
        || caller.is_some_and(|c| {
            let account = aws().any(|id| *id == c.account || root_of(id) == Some(&c.account));
            let arn = aws().any(|id| root_of(id).is_none() && c.arns.contains(id));
            let is_root = c.arns.iter().any(|a| root_of(a) == Some(&c.account));
            let svc = c
                .service
                .as_ref()
                .is_some_and(|s| p.entries.contains(&("Service", s.clone())));
            let fed = c
                .federated
                .as_ref()
                .is_some_and(|f| p.entries.contains(&("Federated", f.clone())));
            if allow {
                account || arn || svc || fed
            } else {
                let groups = [
                    (!c.arns.is_empty(), account && (arn || is_root)),
                    (c.service.is_some(), svc),
                    (c.federated.is_some(), fed),
                ];
                groups.iter().any(|g| g.0) && groups.iter().filter(|g| g.0).all(|g| g.1)
            }
        });
    (!excluded).then_some(2)
}

/// Evaluates `policy` for `ctx`, as an identity policy or a resource
/// policy.
pub fn evaluate(policy: &MPolicy, ctx: &MCtx, as_identity: bool) -> MResult {
    let vars = policy.version == Some("2012-10-17");
    let action = ctx.action.to_lowercase();
    let mut deny = false;
    let mut grant = None;
    for s in &policy.statements {
        let g = match (&s.principal, as_identity) {
            (None, true) => Some(2),
            (Some(p), false) => principal(p, s.allow, ctx.caller.as_ref()),
            _ => None,
        };
        let Some(g) = g else { continue };
        let hit = s.actions.iter().any(|a| {
            let toks: Vec<T> = a
                .to_lowercase()
                .chars()
                .map(|c| match c {
                    '*' => T::Star,
                    '?' => T::Q,
                    c => T::C(c),
                })
                .collect();
            glob_str(&toks, &action)
        });
        if hit == s.not_action {
            continue;
        }
        if let Some((not, patterns)) = &s.resource {
            let hit = patterns
                .iter()
                .any(|p| arn_like(p, &ctx.resource, vars, ctx));
            if hit == *not {
                continue;
            }
        }
        if !s
            .conditions
            .iter()
            .all(|(op, key, values)| condition(op, key, values, vars, ctx))
        {
            continue;
        }
        if s.allow {
            grant = grant.max(Some(g));
        } else {
            deny = true;
        }
    }
    match (deny, grant) {
        (true, _) => MResult::Deny,
        (false, Some(2)) => MResult::Allow,
        (false, Some(_)) => MResult::ByAccount,
        (false, None) => MResult::None,
    }
}

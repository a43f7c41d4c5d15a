//! Condition operators: the closed set of names IAM defines, as types.
//!
//! Owns name parsing (`ForAnyValue:StringLikeIfExists` → qualifier, kind,
//! `IfExists`) and formatting back, and the facts about each kind an
//! evaluator needs: what type its values have and whether it is negated
//! (a negated operator is true when the key is missing, I11). Names are
//! matched exactly as IAM documents them; an unknown name is an error, never
//! ignored (I17). See
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>.

use std::fmt;

/// The base operator, without `ForAnyValue:`/`ForAllValues:` or `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperatorKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// What the values of an operator are, and so how they are checked when a
/// policy is written and compared when it is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// Any string; policy variables allowed (2012-10-17).
    String,
    /// `crate::parse_numeric`.
    Numeric,
    /// `crate::Timestamp::parse`.
    Date,
    /// `true`/`false`; a policy variable allowed (2012-10-17).
    Bool,
    /// Base64.
    Binary,
    /// `crate::IpNet::parse`.
    Ip,
    /// An ARN, compared segment by segment; policy variables allowed.
    Arn,
    /// `true` (the key is absent) or `false` (it is present).
    Null,
}

impl OperatorKind {
    /// Every kind, for lookups and tests.
    pub const ALL: [OperatorKind; 27] = {
        use OperatorKind::*;
        [
            StringEquals,
            StringNotEquals,
            StringEqualsIgnoreCase,
            StringNotEqualsIgnoreCase,
            StringLike,
            StringNotLike,
            NumericEquals,
            NumericNotEquals,
            NumericLessThan,
            NumericLessThanEquals,
            NumericGreaterThan,
            NumericGreaterThanEquals,
            DateEquals,
            DateNotEquals,
            DateLessThan,
            DateLessThanEquals,
            DateGreaterThan,
            DateGreaterThanEquals,
            Bool,
            BinaryEquals,
            IpAddress,
            NotIpAddress,
            ArnEquals,
            ArnLike,
            ArnNotEquals,
            ArnNotLike,
            Null,
        ]
    };

    /// The name as written in a policy.
    pub fn name(self) -> &'static str {
        use OperatorKind::*;
        match self {
            StringEquals => "StringEquals",
            StringNotEquals => "StringNotEquals",
            StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            StringLike => "StringLike",
            StringNotLike => "StringNotLike",
            NumericEquals => "NumericEquals",
            NumericNotEquals => "NumericNotEquals",
            NumericLessThan => "NumericLessThan",
            NumericLessThanEquals => "NumericLessThanEquals",
            NumericGreaterThan => "NumericGreaterThan",
            NumericGreaterThanEquals => "NumericGreaterThanEquals",
            DateEquals => "DateEquals",
            DateNotEquals => "DateNotEquals",
            DateLessThan => "DateLessThan",
            DateLessThanEquals => "DateLessThanEquals",
            DateGreaterThan => "DateGreaterThan",
            DateGreaterThanEquals => "DateGreaterThanEquals",
            Bool => "Bool",
            BinaryEquals => "BinaryEquals",
            IpAddress => "IpAddress",
            NotIpAddress => "NotIpAddress",
            ArnEquals => "ArnEquals",
            ArnLike => "ArnLike",
            ArnNotEquals => "ArnNotEquals",
            ArnNotLike => "ArnNotLike",
            Null => "Null",
        }
    }

    /// The type of this operator's values.
    pub fn value_type(self) -> ValueType {
        use OperatorKind::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => ValueType::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => ValueType::Numeric,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => ValueType::Date,
            Bool => ValueType::Bool,
            BinaryEquals => ValueType::Binary,
            IpAddress | NotIpAddress => ValueType::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => ValueType::Arn,
            Null => ValueType::Null,
        }
    }

    /// Is this a negated operator (`StringNotEquals`, `NotIpAddress`, ...),
    /// which IAM evaluates to true when the key is missing (I11)?
    pub fn is_negated(self) -> bool {
        use OperatorKind::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }
}

/// `ForAnyValue:` or `ForAllValues:`, for multi-valued keys (I12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

impl SetQualifier {
    /// The prefix as written, without the colon.
    pub fn name(self) -> &'static str {
        match self {
            SetQualifier::ForAnyValue => "ForAnyValue",
            SetQualifier::ForAllValues => "ForAllValues",
        }
    }
}

/// A full condition operator as named in a policy's `Condition` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConditionOperator {
    pub qualifier: Option<SetQualifier>,
    pub kind: OperatorKind,
    /// `…IfExists`: true when the key is absent.
    pub if_exists: bool,
}

impl ConditionOperator {
    /// Parses an operator name; `None` if IAM defines no such operator.
    /// `Null` takes neither `IfExists` (IAM forbids it) nor a set qualifier
    /// (it tests presence, not values).
    pub fn parse(name: &str) -> Option<ConditionOperator> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let kind = OperatorKind::ALL.into_iter().find(|k| k.name() == base)?;
        if kind == OperatorKind::Null && (if_exists || qualifier.is_some()) {
            return None;
        }
        Some(ConditionOperator {
            qualifier,
            kind,
            if_exists,
        })
    }
}

impl fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(q) = self.qualifier {
            write!(f, "{}:", q.name())?;
        }
        f.write_str(self.kind.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_with_every_modifier() {
        for kind in OperatorKind::ALL {
            for qualifier in [
                None,
                Some(SetQualifier::ForAnyValue),
                Some(SetQualifier::ForAllValues),
            ] {
                for if_exists in [false, true] {
                    let op = ConditionOperator {
                        qualifier,
                        kind,
                        if_exists,
                    };
                    let name = op.to_string();
                    let parsed = ConditionOperator::parse(&name);
                    if kind == OperatorKind::Null && (if_exists || qualifier.is_some()) {
                        assert_eq!(parsed, None, "{name}");
                    } else {
                        assert_eq!(parsed, Some(op), "{name}");
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_names_are_rejected() {
        for bad in [
            "",
            "stringequals",
            "STRINGEQUALS",
            "StringEqual",
            "StringEqualsIfExistsIfExists",
            "IfExists",
            "ForAnyValue:",
            "ForAnyValue:ForAllValues:StringEquals",
            "forAnyValue:StringEquals",
            "ForAnyValues:StringEquals",
            "ForAnyValueStringEquals",
            "BinaryNotEquals",
            "NullIfExists",
            "ForAnyValue:Null",
            " StringEquals",
        ] {
            assert_eq!(ConditionOperator::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn value_types_and_negation() {
        assert_eq!(OperatorKind::DateLessThan.value_type(), ValueType::Date);
        assert_eq!(OperatorKind::NotIpAddress.value_type(), ValueType::Ip);
        assert!(OperatorKind::ArnNotLike.is_negated());
        assert!(!OperatorKind::Null.is_negated());
        assert!(!OperatorKind::StringLike.is_negated());
    }
}

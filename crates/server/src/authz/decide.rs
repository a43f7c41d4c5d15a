//! How the answers of the policies that apply combine into one decision,
//! as IAM does within one account, and the reason a denial gives.
//!
//! - An explicit Deny in any policy wins.
//! - A resource policy that names the caller itself allows on its own; a
//!   session policy still limits a role session named only by its role.
//! - Otherwise the identity policies must allow (the account root needs
//!   none), and a session policy too if there is one.
//! - A policy that must take part (a KMS key policy, a role's trust
//!   policy) has to allow the caller or its account; one that names the
//!   account delegates to the identity policies.

use tresor_policy::PolicyResult;

/// What the resource's own policy said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceAnswer {
    pub result: PolicyResult,
    /// The policy named the role session itself, not only its role: then
    /// the session policy does not limit it.
    pub names_session: bool,
}

/// The answers of every policy that applies to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answers {
    /// `None` for the account root, which identity policies do not limit.
    pub identity: Option<PolicyResult>,
    pub session: Option<PolicyResult>,
    pub resource: Option<ResourceAnswer>,
    /// The resource policy must allow (key and trust policies).
    pub resource_required: bool,
}

/// Why a request is denied, in the words of AWS's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    IdentityDeny,
    ResourceDeny,
    SessionDeny,
    NoIdentityAllow,
    NoResourceAllow,
    NoSessionAllow,
}

impl Denial {
    /// The end of AWS's AccessDenied message for this reason.
    pub fn reason(self, action: &str) -> String {
        match self {
            Denial::IdentityDeny => "with an explicit deny in an identity-based policy".into(),
            Denial::ResourceDeny => "with an explicit deny in a resource-based policy".into(),
            Denial::SessionDeny => "with an explicit deny in a session policy".into(),
            Denial::NoIdentityAllow => {
                format!("because no identity-based policy allows the {action} action")
            }
            Denial::NoResourceAllow => {
                format!("because no resource-based policy allows the {action} action")
            }
            Denial::NoSessionAllow => {
                format!("because no session policy allows the {action} action")
            }
        }
    }
}

pub fn decide(a: &Answers) -> Result<(), Denial> {
    let resource = a.resource.map(|r| r.result);
    if a.identity == Some(PolicyResult::ExplicitDeny) {
        return Err(Denial::IdentityDeny);
    }
    if resource == Some(PolicyResult::ExplicitDeny) {
        return Err(Denial::ResourceDeny);
    }
    if a.session == Some(PolicyResult::ExplicitDeny) {
        return Err(Denial::SessionDeny);
    }
    let session_allows = a.session.is_none_or(|s| s == PolicyResult::Allow);
    if let Some(r) = a.resource
        && r.result == PolicyResult::Allow
    {
        return if r.names_session || session_allows {
            Ok(())
        } else {
            Err(Denial::NoSessionAllow)
        };
    }
    if a.resource_required && resource != Some(PolicyResult::AllowByAccount) {
        return Err(Denial::NoResourceAllow);
    }
    if !a.identity.is_none_or(|i| i == PolicyResult::Allow) {
        return Err(Denial::NoIdentityAllow);
    }
    if !session_allows {
        return Err(Denial::NoSessionAllow);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use PolicyResult::*;

    fn answers(identity: Option<PolicyResult>, resource: Option<PolicyResult>) -> Answers {
        Answers {
            identity,
            session: None,
            resource: resource.map(|result| ResourceAnswer {
                result,
                names_session: false,
            }),
            resource_required: false,
        }
    }

    #[test]
    fn same_account_secret_access_is_identity_or_resource() {
        assert_eq!(decide(&answers(Some(Allow), None)), Ok(()));
        assert_eq!(decide(&answers(Some(NotApplicable), Some(Allow))), Ok(()));
        assert_eq!(
            decide(&answers(Some(NotApplicable), None)),
            Err(Denial::NoIdentityAllow)
        );
        // Naming the account only delegates to IAM.
        assert_eq!(
            decide(&answers(Some(NotApplicable), Some(AllowByAccount))),
            Err(Denial::NoIdentityAllow)
        );
        assert_eq!(decide(&answers(Some(Allow), Some(AllowByAccount))), Ok(()));
    }

    #[test]
    fn explicit_deny_wins_everywhere() {
        assert_eq!(
            decide(&answers(Some(ExplicitDeny), Some(Allow))),
            Err(Denial::IdentityDeny)
        );
        assert_eq!(
            decide(&answers(Some(Allow), Some(ExplicitDeny))),
            Err(Denial::ResourceDeny)
        );
        // The root is limited by resource policies too.
        assert_eq!(
            decide(&answers(None, Some(ExplicitDeny))),
            Err(Denial::ResourceDeny)
        );
        assert_eq!(decide(&answers(None, None)), Ok(()));
    }

    #[test]
    fn required_resource_policy_must_allow_caller_or_account() {
        let mut a = answers(Some(Allow), Some(NotApplicable));
        a.resource_required = true;
        assert_eq!(decide(&a), Err(Denial::NoResourceAllow));
        // Not even the root gets past a key policy that leaves it out.
        a.identity = None;
        assert_eq!(decide(&a), Err(Denial::NoResourceAllow));
        a.resource = Some(ResourceAnswer {
            result: AllowByAccount,
            names_session: false,
        });
        assert_eq!(decide(&a), Ok(()));
        a.identity = Some(NotApplicable);
        assert_eq!(decide(&a), Err(Denial::NoIdentityAllow));
        a.resource = Some(ResourceAnswer {
            result: Allow,
            names_session: false,
        });
        assert_eq!(decide(&a), Ok(()));
    }

    #[test]
    fn session_policies_limit_what_the_role_may_do() {
        let mut a = answers(Some(Allow), None);
        a.session = Some(NotApplicable);
        assert_eq!(decide(&a), Err(Denial::NoSessionAllow));
        a.session = Some(Allow);
        assert_eq!(decide(&a), Ok(()));
        a.session = Some(ExplicitDeny);
        assert_eq!(decide(&a), Err(Denial::SessionDeny));
        // A resource policy naming the role is limited by the session
        // policy; one naming the session itself is not.
        a.identity = Some(NotApplicable);
        a.session = Some(NotApplicable);
        a.resource = Some(ResourceAnswer {
            result: Allow,
            names_session: false,
        });
        assert_eq!(decide(&a), Err(Denial::NoSessionAllow));
        a.resource = Some(ResourceAnswer {
            result: Allow,
            names_session: true,
        });
        assert_eq!(decide(&a), Ok(()));
    }
}

//! Which operation a request asks for, from its `X-Amz-Target` header.
//!
//! awsJson 1.1 routes every call to `POST /`; the operation is named by
//! `X-Amz-Target: <targetPrefix>.<Operation>`. This module owns that mapping
//! and nothing else.

/// The AWS services Tresor answers on its one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    SecretsManager,
}

impl Service {
    /// The SigV4 signing name (the service in the credential scope).
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::SecretsManager => "secretsmanager",
        }
    }

    /// The `X-Amz-Target` prefix before the dot.
    pub fn target_prefix(self) -> &'static str {
        match self {
            Service::SecretsManager => "secretsmanager",
        }
    }

    /// The service whose SigV4 signing name this is.
    pub fn from_signing_name(name: &str) -> Option<Service> {
        match name {
            "secretsmanager" => Some(Service::SecretsManager),
            _ => None,
        }
    }

    fn from_target_prefix(prefix: &str) -> Option<Service> {
        match prefix {
            "secretsmanager" => Some(Service::SecretsManager),
            _ => None,
        }
    }
}

macro_rules! operations {
    ($($op:ident),* $(,)?) => {
        /// The 23 operations of AWS Secrets Manager (API version 2017-10-17).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($op,)*
        }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$op,)*];

            /// The operation name exactly as AWS spells it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Operation::$op => stringify!($op),)*
                }
            }

            fn from_name(name: &str) -> Option<Operation> {
                match name {
                    $(stringify!($op) => Some(Operation::$op),)*
                    _ => None,
                }
            }
        }
    };
}

operations!(
    BatchGetSecretValue,
    CancelRotateSecret,
    CreateSecret,
    DeleteResourcePolicy,
    DeleteSecret,
    DescribeSecret,
    GetRandomPassword,
    GetResourcePolicy,
    GetSecretValue,
    ListSecretVersionIds,
    ListSecrets,
    PutResourcePolicy,
    PutSecretValue,
    RemoveRegionsFromReplication,
    ReplicateSecretToRegions,
    RestoreSecret,
    RotateSecret,
    StopReplicationToReplica,
    TagResource,
    UntagResource,
    UpdateSecret,
    UpdateSecretVersionStage,
    ValidateResourcePolicy,
);

impl Operation {
    pub fn service(self) -> Service {
        Service::SecretsManager
    }
}

/// Why an `X-Amz-Target` value names no operation we serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// No header, or not of the form `prefix.Operation`.
    Malformed,
    /// A known service prefix but no such operation.
    UnknownOperation,
    /// A service we do not serve.
    UnknownService,
}

/// Parses `X-Amz-Target`.
pub fn parse_target(target: &str) -> Result<Operation, TargetError> {
    let (prefix, name) = target.split_once('.').ok_or(TargetError::Malformed)?;
    let service = Service::from_target_prefix(prefix).ok_or(TargetError::UnknownService)?;
    let op = Operation::from_name(name).ok_or(TargetError::UnknownOperation)?;
    debug_assert_eq!(op.service(), service);
    Ok(op)
}

/// The service a target prefix belongs to, even when the operation is unknown.
pub fn target_service(target: &str) -> Option<Service> {
    target
        .split_once('.')
        .and_then(|(prefix, _)| Service::from_target_prefix(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operation() {
        assert_eq!(Operation::ALL.len(), 23);
        for op in Operation::ALL {
            let target = format!("secretsmanager.{}", op.name());
            assert_eq!(parse_target(&target), Ok(*op));
        }
    }

    #[test]
    fn rejects_unknown_targets() {
        assert_eq!(
            parse_target("secretsmanager.GetSecret"),
            Err(TargetError::UnknownOperation)
        );
        assert_eq!(
            parse_target("secretsmanager.getsecretvalue"),
            Err(TargetError::UnknownOperation)
        );
        assert_eq!(parse_target("GetSecretValue"), Err(TargetError::Malformed));
        assert_eq!(
            parse_target("dynamodb.GetItem"),
            Err(TargetError::UnknownService)
        );
    }
}

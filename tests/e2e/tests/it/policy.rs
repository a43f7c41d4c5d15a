//! Resource policies: Put, Get, Delete and ValidateResourcePolicy.

/// Grants one named account read access: not public.
pub const PRIVATE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;

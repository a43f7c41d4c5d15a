//! The awsQuery protocol (IAM, STS).

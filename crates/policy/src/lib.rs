//! Placeholder until the policy branch lands (replaced wholesale by it).

pub struct PolicyDocument;
pub struct PolicyError {
    pub message: String,
}
pub fn parse(json: &str) -> Result<PolicyDocument, PolicyError> {
    serde_json::from_str::<serde_json::Value>(json)
        .map(|_| PolicyDocument)
        .map_err(|e| PolicyError {
            message: e.to_string(),
        })
}
impl PolicyDocument {
    pub fn grants_public_access(&self) -> bool {
        false
    }
}

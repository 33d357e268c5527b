//! The one error envelope of the API: `{"error":{"code":…,"message":…,"fields":{…}?}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every non-2xx answer of `/api/v1` has this body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorBody,
}

/// The details of an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable, machine-readable `snake_case` code, e.g. `not_found` or `validation_failed`.
    pub code: String,
    /// Human-readable explanation, safe to show to the user.
    pub message: String,
    /// Per-field reasons for validation errors (field name → why it was refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
    /// Id of the request, to quote when reporting a problem (matches the server log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_the_documented_shape() {
        let body = ErrorResponse {
            error: ErrorBody {
                code: "validation_failed".into(),
                message: "Some fields are invalid.".into(),
                fields: Some(BTreeMap::from([(
                    "port".into(),
                    "must be 1024–65535".into(),
                )])),
                request_id: None,
            },
        };
        let json = serde_json::to_value(&body).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"error": {
                "code": "validation_failed",
                "message": "Some fields are invalid.",
                "fields": {"port": "must be 1024–65535"}
            }})
        );
    }
}

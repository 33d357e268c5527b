//! The one error envelope of the API: `{"error":{"code":…,"message":…,"fields":{…}?}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every non-2xx answer of `/api/v1` has this body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorBody,
    /// With 412 `precondition_failed`: the resource as it is now (what the stale `If-Match`
    /// lost against), ETag and all in its `version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub current: Option<Box<serde_json::Value>>,
}

/// Who made the change a stale write lost against (from the audit trail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ChangedBy {
    pub actor: String,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub at: chrono::DateTime<chrono::Utc>,
    /// The audit action, e.g. `grants.set`.
    pub action: String,
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
    /// With 412 `precondition_failed`: the last change made meanwhile, when the audit trail has
    /// it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<ChangedBy>,
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
                changed_by: None,
            },
            current: None,
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

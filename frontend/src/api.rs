//! Every HTTP call of the SPA, typed over the shared DTOs. Pages never build requests themselves.

use gloo_net::http::{Request, Response};
use plexward_shared::{ErrorResponse, HealthResponse};
use serde::de::DeserializeOwned;

/// A failed call, ready to show: the API's own code and message when it sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status, or 0 when the server could not be reached.
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ApiError {
    fn network(err: gloo_net::Error) -> Self {
        Self {
            status: 0,
            code: "network".into(),
            message: format!("Plexward cannot be reached ({err})."),
        }
    }

    async fn from_response(response: Response) -> Self {
        let status = response.status();
        match response.json::<ErrorResponse>().await {
            Ok(body) => Self {
                status,
                code: body.error.code,
                message: body.error.message,
            },
            Err(_) => Self {
                status,
                code: "unexpected_response".into(),
                message: format!("Unexpected answer from Plexward (HTTP {status})."),
            },
        }
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    response.json::<T>().await.map_err(|e| ApiError {
        status: response.status(),
        code: "unexpected_response".into(),
        message: format!("Plexward sent a body this page does not understand ({e})."),
    })
}

/// Sends a request and returns the response, whatever its status; only transport failures are
/// errors here.
async fn send(request: gloo_net::http::RequestBuilder) -> Result<Response, ApiError> {
    request
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(ApiError::network)
}

/// `GET /api/v1/health`. A degraded server answers 503 with the same body, which is still a
/// health report worth showing.
pub async fn health() -> Result<HealthResponse, ApiError> {
    let response = send(Request::get("/api/v1/health")).await?;
    match response.status() {
        200 | 503 => decode(response).await,
        _ => Err(ApiError::from_response(response).await),
    }
}

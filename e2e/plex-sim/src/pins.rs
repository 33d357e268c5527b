//! Sign in with Plex (spec §2.6): `POST /api/v2/pins`, `GET /api/v2/pins/{id}`, and the page a
//! person approves a PIN on (`GET /auth`, standing in for `app.plex.tv/auth`). Approving mints a
//! new owner token — a device of its own, as on plex.tv — valid on both listeners.

use actix_web::HttpResponse;
use actix_web::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::engine::Req;
use crate::model::State;
use crate::resp;

/// How long a PIN lives (plex.tv: 30 minutes for `strong=true`, 15 otherwise).
pub const PIN_TTL_SECS: i64 = 1800;

/// One PIN asked for by a client.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pin {
    pub id: u64,
    pub code: String,
    pub client_identifier: String,
    pub product: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    /// Set once a person approved it.
    pub auth_token: Option<String>,
    /// Who approved it when that was not the owner (a friend signing in to a portal): its token
    /// answers `GET /api/v2/user` as that account, and nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<u64>,
}

/// The routes of this module, `None` for any other; they need no token (that is their point).
pub fn route(s: &mut State, r: &Req<'_>, now_ms: i64) -> Option<HttpResponse> {
    match (r.method, r.segs.as_slice()) {
        (&Method::POST, ["api", "v2", "pins"]) => Some(create(s, r, now_ms)),
        (&Method::GET, ["api", "v2", "pins", id]) => Some(check(s, r, id, now_ms)),
        (&Method::GET, ["auth"]) => Some(auth_page()),
        _ => None,
    }
}

fn v2_error(status: StatusCode, code: u32, message: &str) -> HttpResponse {
    resp::json(
        status,
        &json!({"errors": [{"code": code, "message": message, "status": status.as_u16()}]}),
    )
}

fn create(s: &mut State, r: &Req<'_>, now_ms: i64) -> HttpResponse {
    let Some(client) = r.client_identifier.clone().filter(|c| !c.is_empty()) else {
        return v2_error(
            StatusCode::BAD_REQUEST,
            1000,
            "X-Plex-Client-Identifier is missing",
        );
    };
    s.pins.retain(|p| p.expires_ms > now_ms);
    s.next_pin_id += 1;
    let strong = r.query.iter().any(|(k, v)| k == "strong" && v == "true");
    let id = s.next_pin_id;
    // Deterministic but unguessable enough for a simulator; strong codes are 25 characters.
    let code = pin_code(id, if strong { 25 } else { 4 });
    let pin = Pin {
        id,
        code,
        client_identifier: client,
        product: r.product.clone().unwrap_or_default(),
        created_ms: now_ms,
        expires_ms: now_ms + PIN_TTL_SECS * 1000,
        auth_token: None,
        account_id: None,
    };
    let body = pin_json(&pin, now_ms);
    s.pins.push(pin);
    resp::json(StatusCode::CREATED, &body)
}

fn check(s: &State, r: &Req<'_>, id: &str, now_ms: i64) -> HttpResponse {
    let pin = id.parse::<u64>().ok().and_then(|id| {
        s.pins.iter().find(|p| {
            p.id == id
                && p.expires_ms > now_ms
                && r.client_identifier.as_deref() == Some(p.client_identifier.as_str())
        })
    });
    match pin {
        Some(pin) => resp::json(StatusCode::OK, &pin_json(pin, now_ms)),
        None => v2_error(StatusCode::NOT_FOUND, 1020, "Code not found or expired"),
    }
}

fn pin_json(pin: &Pin, now_ms: i64) -> Value {
    let iso = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    json!({
        "id": pin.id,
        "code": pin.code,
        "product": pin.product,
        "trusted": false,
        "qr": format!("https://plex.tv/api/v2/pins/qr/{}", pin.code),
        "clientIdentifier": pin.client_identifier,
        "location": {"code": "US", "country": "United States"},
        "expiresIn": ((pin.expires_ms - now_ms) / 1000).max(0),
        "createdAt": iso(pin.created_ms),
        "expiresAt": iso(pin.expires_ms),
        "authToken": pin.auth_token,
        "newRegistration": null,
    })
}

fn pin_code(id: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = id.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5bd1_e995;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// Approves the live PIN `code` (or `id`) as its account's owner would on plex.tv: it gets a
/// fresh owner token. `None` when no live PIN matches.
pub fn approve(s: &mut State, id: Option<u64>, code: Option<&str>, now_ms: i64) -> Option<Pin> {
    let pin = s.pins.iter_mut().find(|p| {
        p.expires_ms > now_ms
            && (id == Some(p.id) || code.is_some_and(|c| c.eq_ignore_ascii_case(&p.code)))
    })?;
    if pin.auth_token.is_none() {
        let token = format!("sim-device-token-{:x}", pin.id.wrapping_mul(0x2545_f491));
        pin.auth_token = Some(token.clone());
        s.valid_tokens.insert(token);
    }
    Some(pin.clone())
}

/// Approves the live PIN `id` as plex.tv account `account` (a friend, or a stranger: any id)
/// would: its token names that account (see [`account_of_token`]). `None` when no live PIN has
/// that id.
pub fn approve_as(s: &mut State, id: u64, account: u64, now_ms: i64) -> Option<Pin> {
    let pin = s
        .pins
        .iter_mut()
        .find(|p| p.expires_ms > now_ms && p.id == id)?;
    if pin.auth_token.is_none() {
        pin.auth_token = Some(format!(
            "sim-account-token-{account}-{:x}",
            pin.id.wrapping_mul(0x2545_f491)
        ));
        pin.account_id = Some(account);
    }
    Some(pin.clone())
}

/// The account a token from [`approve_as`] names.
pub fn account_of_token(s: &State, token: &str) -> Option<u64> {
    s.pins
        .iter()
        .find(|p| p.auth_token.as_deref() == Some(token))
        .and_then(|p| p.account_id)
}

/// Plex's sign-in page, reduced to what a test needs: it reads `code` from the fragment (as
/// `app.plex.tv/auth#?clientID=…&code=…` does) and approves it with one click.
fn auth_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(AUTH_PAGE)
}

const AUTH_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plex (simulator) — sign in</title></head>
<body>
<h1>Plex simulator</h1>
<p id="what">An app asks to sign in to your Plex account.</p>
<button id="approve" type="button">Allow</button>
<p id="result" role="status"></p>
<script>
  const params = new URLSearchParams(location.hash.replace(/^#\??/, ''));
  const code = params.get('code') || '';
  const product = params.get('context[device][product]') || 'An app';
  document.getElementById('what').textContent = product + ' asks to sign in to your Plex account.';
  document.getElementById('approve').addEventListener('click', async () => {
    const r = await fetch('/__sim/pins/approve', {method: 'POST',
      headers: {'content-type': 'application/json'}, body: JSON.stringify({code})});
    document.getElementById('result').textContent = r.ok
      ? 'Signed in. You can close this window.' : 'This code is unknown or expired.';
    if (r.ok) setTimeout(() => window.close(), 300);
  });
</script>
</body></html>
"#;

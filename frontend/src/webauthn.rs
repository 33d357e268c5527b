//! Everything the SPA asks of the browser's WebAuthn: whether it can use passkeys, and the two
//! ceremonies (`navigator.credentials.create()` to register one, `.get()` to sign in with one).
//!
//! Plexward sends its options as WebAuthn's JSON (`{"publicKey": {…}}`, binary fields base64url)
//! and takes the answer as `PublicKeyCredential.toJSON()` gives it, so the browser's own
//! `parse…OptionsFromJSON` helpers do all the converting: no base64 or `ArrayBuffer` juggling
//! here. Everything is reached through `Reflect` rather than typed `web-sys` bindings, which would
//! need a dozen extra features for two calls. HTTP stays in `api.rs`.

use js_sys::{Function, JSON, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `name` of `target`, when it is there (not `undefined` or `null`).
fn property(target: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// `window.PublicKeyCredential`: only in a secure context (HTTPS, or `localhost`), in a browser
/// that has WebAuthn at all.
fn public_key_credential() -> Option<JsValue> {
    property(&web_sys::window()?.into(), "PublicKeyCredential")
}

fn credentials() -> Option<JsValue> {
    property(&web_sys::window()?.navigator().into(), "credentials")
}

/// Whether this browser can use passkeys the way this module does: WebAuthn, and the JSON helpers
/// (Chrome 129, Firefox 119, Safari 18.4 and later). An older browser is told to update rather
/// than sent into a ceremony that fails halfway.
pub fn supported() -> bool {
    let Some(pkc) = public_key_credential() else {
        return false;
    };
    let has = |name: &str| property(&pkc, name).is_some_and(|f| f.is_function());
    has("parseCreationOptionsFromJSON")
        && has("parseRequestOptionsFromJSON")
        && credentials().is_some()
}

/// Whether the page was reached at an IP address rather than a host name: WebAuthn never works
/// there (a relying party is named by a domain), so offering a passkey could only fail.
pub fn at_ip_address() -> bool {
    web_sys::window()
        .and_then(|w| w.location().hostname().ok())
        .is_some_and(|host| is_ip_address(&host))
}

/// `127.0.0.1`, `[::1]`, `::1`: an IPv4 or IPv6 literal.
pub fn is_ip_address(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>().is_ok()
}

/// Why a ceremony failed, in words the user can act on. `name` is the `DOMException`'s (or
/// other error's) name, `message` its message; `creating`: registering rather than signing in.
pub fn problem_sentence(name: &str, message: &str, creating: bool) -> String {
    match name {
        // Cancelled, dismissed, timed out, or no passkey chosen: the browser does not say which
        // (on purpose: a page must not learn whether a passkey exists).
        "NotAllowedError" | "AbortError" => {
            if creating {
                "No passkey was created: the browser's prompt was cancelled or timed out. Try \
                 again when you are ready."
                    .into()
            } else {
                "No passkey was used: the browser's prompt was cancelled or timed out. Try again \
                 when you are ready."
                    .into()
            }
        }
        // `excludeCredentials` matched: this authenticator holds one of the account's already.
        "InvalidStateError" if creating => {
            "This device or password manager already holds a passkey for your account here.".into()
        }
        "SecurityError" => {
            "The browser refused passkeys at this address: open Plexward at the host name it is \
             configured with (not an IP address), over HTTPS."
                .into()
        }
        "NotSupportedError" => {
            "This browser or device cannot make the kind of passkey Plexward asks for.".into()
        }
        _ if message.is_empty() => format!("The browser could not use a passkey ({name})."),
        _ => format!("The browser could not use a passkey ({name}: {message})."),
    }
}

/// `value` without its `null` members, at any depth: JSON's way of saying "absent", which the
/// browser's parser would take as a value (and refuse where it wants a list or a dictionary).
pub fn without_nulls(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// A thrown JavaScript value (usually a `DOMException`) as a sentence.
fn refusal(err: &JsValue, creating: bool) -> String {
    let text = |key: &str| {
        property(err, key)
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let name = text("name");
    let name = if name.is_empty() {
        "Error".into()
    } else {
        name
    };
    problem_sentence(&name, &text("message"), creating)
}

/// `target.name(arg)`, or `target.name()` without one.
fn call_method(target: &JsValue, name: &str, arg: Option<&JsValue>) -> Result<JsValue, JsValue> {
    let method: Function = property(target, name)
        .ok_or_else(|| JsValue::from_str(&format!("{name} is missing")))?
        .dyn_into()?;
    match arg {
        Some(arg) => method.call1(target, arg),
        None => method.call0(target),
    }
}

/// The ceremony itself: `{publicKey}` from Plexward's options through the browser's parser, the
/// browser's prompt, and its answer as JSON.
async fn ceremony(
    options: &serde_json::Value,
    creating: bool,
) -> Result<serde_json::Value, String> {
    if !supported() {
        return Err("This browser cannot use passkeys: update it, or use another one.".into());
    }
    let (pkc, container) = public_key_credential()
        .zip(credentials())
        .ok_or_else(|| "This browser cannot use passkeys.".to_owned())?;
    let public_key = options.get("publicKey").ok_or_else(|| {
        "Plexward's passkey options are incomplete; reload and try again.".to_owned()
    })?;
    let not_understood =
        |_| "This browser did not understand Plexward's passkey options.".to_owned();
    let json = JSON::parse(&without_nulls(public_key).to_string()).map_err(not_understood)?;
    let (parser, method) = if creating {
        ("parseCreationOptionsFromJSON", "create")
    } else {
        ("parseRequestOptionsFromJSON", "get")
    };
    let parsed = call_method(&pkc, parser, Some(&json)).map_err(|e| refusal(&e, creating))?;
    // Only `publicKey`: anything else at the top of Plexward's options (`mediation` above all,
    // which would make `get()` wait silently for an autofill pick instead of prompting) is left
    // out on purpose.
    let request = Object::new();
    Reflect::set(&request, &"publicKey".into(), &parsed).map_err(|e| refusal(&e, creating))?;
    let promise: Promise = call_method(&container, method, Some(&request))
        .map_err(|e| refusal(&e, creating))?
        .dyn_into()
        .map_err(|_| "The browser gave no answer.".to_owned())?;
    let credential = JsFuture::from(promise)
        .await
        .map_err(|e| refusal(&e, creating))?;
    if credential.is_null() || credential.is_undefined() {
        return Err(problem_sentence("NotAllowedError", "", creating));
    }
    let answer = call_method(&credential, "toJSON", None)
        .and_then(|json| JSON::stringify(&json).map(String::from))
        .map_err(|e| refusal(&e, creating))?;
    serde_json::from_str(&answer)
        .map_err(|e| format!("The browser's answer could not be read ({e})."))
}

/// Registers a new passkey: Plexward's creation options (`PasskeyCeremony.options`) in, the new
/// credential as `toJSON()` gives it out. `Err` is a sentence to show.
pub async fn create(options: &serde_json::Value) -> Result<serde_json::Value, String> {
    ceremony(options, true).await
}

/// Signs in with a passkey: Plexward's request options in, the assertion as `toJSON()` gives it
/// out. `Err` is a sentence to show.
pub async fn get(options: &serde_json::Value) -> Result<serde_json::Value, String> {
    ceremony(options, false).await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{is_ip_address, problem_sentence, without_nulls};

    #[test]
    fn nulls_are_left_out_at_any_depth() {
        assert_eq!(
            without_nulls(&json!({
                "challenge": "abc",
                "timeout": null,
                "allowCredentials": [{"id": "x", "transports": null}],
                "extensions": {"credProps": true, "appid": null}
            })),
            json!({
                "challenge": "abc",
                "allowCredentials": [{"id": "x"}],
                "extensions": {"credProps": true}
            })
        );
    }

    #[test]
    fn ip_addresses_are_told_from_host_names() {
        assert!(is_ip_address("127.0.0.1"));
        assert!(is_ip_address("[::1]"));
        assert!(is_ip_address("::1"));
        assert!(is_ip_address("192.168.1.20"));
        assert!(!is_ip_address("localhost"));
        assert!(!is_ip_address("plexward.example.com"));
        assert!(!is_ip_address("1.2.3.4.example"));
    }

    #[test]
    fn refusals_read_as_sentences() {
        assert!(
            problem_sentence("NotAllowedError", "x", true).starts_with("No passkey was created")
        );
        assert!(problem_sentence("NotAllowedError", "x", false).starts_with("No passkey was used"));
        assert!(problem_sentence("AbortError", "", false).contains("cancelled"));
        assert!(problem_sentence("InvalidStateError", "", true).contains("already holds"));
        assert!(problem_sentence("SecurityError", "", false).contains("host name"));
        assert_eq!(
            problem_sentence("TypeError", "bad", false),
            "The browser could not use a passkey (TypeError: bad)."
        );
        assert_eq!(
            problem_sentence("Weird", "", true),
            "The browser could not use a passkey (Weird)."
        );
    }
}

//! Showing times: in the browser's own language and time zone.

use chrono::{DateTime, Utc};
use wasm_bindgen::JsValue;

/// `24 Nov 2026, 10:31` in the user's locale and time zone.
pub fn local_time(at: &DateTime<Utc>) -> String {
    #[allow(clippy::cast_precision_loss)] // milliseconds since 1970 fit an f64 exactly until 2255
    let millis = at.timestamp_millis() as f64;
    let date = js_sys::Date::new(&JsValue::from_f64(millis));
    let options = js_sys::Object::new();
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    let locale = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_else(|| "en".to_owned());
    date.to_locale_string(&locale, &options).into()
}

/// `—` for a time that never happened, e.g. a token never used.
pub fn local_time_or_dash(at: Option<&DateTime<Utc>>) -> String {
    at.map_or_else(|| "—".to_owned(), local_time)
}

/// Now, from the browser's clock.
pub fn now() -> DateTime<Utc> {
    #[allow(clippy::cast_possible_truncation)] // whole milliseconds are all we need
    let millis = js_sys::Date::now() as i64;
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

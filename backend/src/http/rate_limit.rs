//! The `RateLimit-*` answer headers (IETF draft httpapi-ratelimit-headers, the integer form):
//! where a limit applies, every answer says how much of it is left, so a script can pace itself
//! instead of waiting for a 429. Today only sign-in is limited (`auth::throttle`).

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

use crate::auth::throttle::{Quota, retry_after_secs};

pub const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
pub const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
pub const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// `RateLimit-Limit`, `-Remaining` and `-Reset` (whole seconds, rounded up) for `quota`.
pub fn insert_headers(headers: &mut HeaderMap, quota: &Quota) {
    let reset = if quota.reset.is_zero() {
        0
    } else {
        retry_after_secs(quota.reset)
    };
    for (name, value) in [
        (LIMIT, u64::from(quota.limit)),
        (REMAINING, u64::from(quota.remaining)),
        (RESET, reset),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_three_headers_are_integers_and_reset_rounds_up() {
        let mut headers = HeaderMap::new();
        insert_headers(
            &mut headers,
            &Quota {
                limit: 10,
                remaining: 7,
                reset: Duration::from_millis(17_200),
            },
        );
        let get = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        assert_eq!(get(&LIMIT), Some("10"));
        assert_eq!(get(&REMAINING), Some("7"));
        assert_eq!(get(&RESET), Some("18"));
    }

    #[test]
    fn a_full_quota_resets_now() {
        let mut headers = HeaderMap::new();
        insert_headers(
            &mut headers,
            &Quota {
                limit: 3,
                remaining: 3,
                reset: Duration::ZERO,
            },
        );
        assert_eq!(headers.get(RESET).and_then(|v| v.to_str().ok()), Some("0"));
    }
}

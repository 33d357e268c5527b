//! Waiting in the browser: a `setTimeout` sleep, and following a background job to its end.

use plexward_shared::{JobResponse, JobState, Progress};

use crate::api::{self, ApiError};

/// How often a running job is asked how far it is.
pub const POLL_MS: i32 = 500;

/// Resolves after `ms` milliseconds (a `setTimeout` promise).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
                .ok()
        });
        if scheduled.is_none() {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Follows job `id` until it has ended, telling `progress` how far it is on every poll. Stops
/// early (with `None`) when `progress` answers `false`: the page was left, nobody is watching.
pub async fn follow(
    id: &str,
    progress: impl Fn(Progress) -> bool,
) -> Option<Result<JobResponse, ApiError>> {
    loop {
        let job = match api::job(id).await {
            Ok(job) => job,
            Err(e) => return Some(Err(e)),
        };
        match job.state {
            JobState::Succeeded | JobState::Failed => return Some(Ok(job)),
            JobState::Queued | JobState::Running => {
                if !progress(job.progress) {
                    return None;
                }
            }
        }
        sleep(POLL_MS).await;
    }
}

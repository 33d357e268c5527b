//! A request body must arrive in time. actix-web times out slow *headers* (408 after 30 s) but
//! waits for a body forever, so anyone could hold connections open by sending one byte every few
//! seconds. Here every body gets `request_body_timeout_secs` (30) from its headers, plus the time
//! its bytes need at [`MIN_RATE`]: a large upload at any sane speed goes through, a trickle is cut.
//! A cut request is answered 408 `request_timeout` and its connection closed.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage as _, ResponseError as _};
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::http::error::ApiError;

/// Bytes a second a body must keep up past the first `request_body_timeout_secs`.
pub const MIN_RATE: u64 = 4 * 1024;

/// The configured allowance, as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let allowance = req
        .app_data::<actix_web::web::Data<BodyTimeout>>()
        .map(|t| t.0)
        .unwrap_or(Duration::from_secs(30));
    let timed_out = Rc::new(Cell::new(false));
    let body = TimedBody::new(req.take_payload(), allowance, timed_out.clone());
    req.set_payload(Payload::Stream {
        payload: Box::pin(body),
    });
    let response = next.call(req).await?;
    if !timed_out.get() {
        return Ok(response.map_into_left_body());
    }
    let (req, _) = response.into_parts();
    let mut answer = ApiError::RequestTimeout {
        secs: allowance.as_secs(),
    }
    .error_response();
    answer.head_mut().set_connection_type(ConnectionType::Close);
    Ok(ServiceResponse::new(req, answer).map_into_right_body())
}

/// A body that fails once its deadline passes.
struct TimedBody {
    inner: Payload,
    started: Instant,
    allowance: Duration,
    received: u64,
    deadline: Pin<Box<Sleep>>,
    timed_out: Rc<Cell<bool>>,
    done: bool,
}

impl TimedBody {
    fn new(inner: Payload, allowance: Duration, timed_out: Rc<Cell<bool>>) -> Self {
        let started = Instant::now();
        Self {
            inner,
            started,
            allowance,
            received: 0,
            deadline: Box::pin(tokio::time::sleep_until(started + allowance)),
            timed_out,
            done: false,
        }
    }

    /// The allowance, plus what the bytes so far needed at the minimum rate.
    fn deadline(&self) -> Instant {
        self.started + self.allowance + Duration::from_millis(self.received * 1000 / MIN_RATE)
    }
}

impl Stream for TimedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.received += chunk.len() as u64;
                let deadline = self.deadline();
                self.deadline.as_mut().reset(deadline);
                return Poll::Ready(Some(Ok(chunk)));
            }
            Poll::Ready(other) => {
                self.done = other.is_none();
                return Poll::Ready(other);
            }
            Poll::Pending => {}
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.done = true;
            self.timed_out.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}

//! At most `connections_per_client` (100) open connections per client address (an IPv6 client
//! by its /64), so one client cannot hold every file descriptor. A connection past the cap is
//! answered 429 `too_many_connections` on its first request and closed. Trusted proxies are not
//! counted: they carry everyone's connections (their clients are throttled where it matters, at
//! sign-in, by their real address).
//!
//! Each connection gets an empty [`ConnectionSlot`] when accepted; its first request fills it
//! with the count for the peer address, and the count goes down when the connection closes and
//! actix drops the connection's data.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::{ResponseError as _, web};

use crate::auth::throttle::client_key;
use crate::http::client_addr::TrustedProxies;
use crate::http::error::ApiError;

/// Open connections per client address.
#[derive(Debug)]
pub struct ConnectionCounts {
    cap: u32,
    open: Mutex<HashMap<IpAddr, u32>>,
}

impl ConnectionCounts {
    pub fn new(cap: u32) -> Self {
        Self {
            cap,
            open: Mutex::new(HashMap::new()),
        }
    }

    fn count(self: &Arc<Self>, ip: IpAddr) -> Counted {
        let key = client_key(ip);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(key).or_insert(0);
        *n += 1;
        Counted {
            key,
            over: *n > self.cap,
            counts: self.clone(),
        }
    }

    /// Connections open now from `ip`'s client.
    #[cfg(test)]
    fn open_from(&self, ip: IpAddr) -> u32 {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(&client_key(ip)).copied().unwrap_or(0)
    }
}

/// One connection's place in its client's count (given back on drop).
#[derive(Debug)]
struct Counted {
    key: IpAddr,
    over: bool,
    counts: Arc<ConnectionCounts>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.counts.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// A connection's data: filled by its first request.
#[derive(Debug, Default)]
pub struct ConnectionSlot(RefCell<Option<Counted>>);

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if over_cap(&req) {
        let mut answer = ApiError::TooManyRequests {
            code: "too_many_connections",
            message: "Too many connections from your address; close some and try again.".into(),
            retry_after_secs: 5,
        }
        .error_response();
        answer.head_mut().set_connection_type(ConnectionType::Close);
        return Ok(req.into_response(answer).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Counts the connection at its first request; whether it is past its client's cap.
fn over_cap(req: &ServiceRequest) -> bool {
    let (Some(slot), Some(counts), Some(peer)) = (
        req.conn_data::<ConnectionSlot>(),
        req.app_data::<web::Data<ConnectionCounts>>(),
        req.peer_addr(),
    ) else {
        return false;
    };
    let mut slot = slot.0.borrow_mut();
    if slot.is_none() {
        let trusted = req
            .app_data::<web::Data<TrustedProxies>>()
            .is_some_and(|t| t.trusts(peer.ip()));
        if trusted {
            return false;
        }
        *slot = Some(counts.clone().into_inner().count(peer.ip()));
    }
    slot.as_ref().is_some_and(|c| c.over)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_client_and_gives_back_on_close() {
        let counts = Arc::new(ConnectionCounts::new(2));
        let ip: IpAddr = [203, 0, 113, 7].into();
        let a = counts.count(ip);
        let b = counts.count(ip);
        let c = counts.count(ip);
        assert!(!a.over && !b.over && c.over, "the third is past the cap");
        assert!(!counts.count([198, 51, 100, 1].into()).over, "per client");
        drop((a, c));
        assert_eq!(counts.open_from(ip), 1);
        let v6 = counts.count("2001:db8::1".parse().expect("ip"));
        let same_host = counts.count("2001:db8::2".parse().expect("ip"));
        assert_eq!(counts.open_from("2001:db8::3".parse().expect("ip")), 2);
        drop((v6, same_host, b));
        assert!(counts.open.lock().expect("lock").is_empty());
    }
}

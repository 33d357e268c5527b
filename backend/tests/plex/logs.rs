//! The client's own log lines (tracing, at every level) never contain the token.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use plex_sim::FaultSpec;
use plexward::plex::{Invitee, NonEmptySet, PlexSectionId, UserId};

use crate::support::start;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_never_contain_the_token() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    // tokio::test runs on one thread, so the default subscriber sees every client event.
    let _guard = tracing::subscriber::set_default(subscriber);

    let (sim, client, mid) = start().await;
    let token = sim.owner_token();
    sim.add_fault(FaultSpec::status("GET", "/api/users", 503));
    sim.add_fault(FaultSpec::drop_after_perform(
        "POST",
        "/api/servers/*/shared_servers",
    ));
    client.friends().await.expect("retried");
    client.account().await.expect("account");
    client
        .create_share(
            &mid,
            &Invitee::User(UserId(2_100_007)),
            &NonEmptySet::one(PlexSectionId(118_278_994)),
            None,
        )
        .await
        .expect("found after the lost response");
    sim.revoke_token(&token);
    let _ = client.friends().await;

    let text = String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(PoisonError::into_inner))
        .into_owned();
    assert!(
        text.contains("retrying"),
        "expected retry warnings in:\n{text}"
    );
    assert!(!text.contains(&token), "token in the logs:\n{text}");
}

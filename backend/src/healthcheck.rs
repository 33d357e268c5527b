//! `plexward healthcheck`: asks the server on this machine for `/api/v1/health`. The Docker image
//! uses it, so no curl is needed in the image.
//!
//! The running server writes its scheme and port to `data_dir/listening.json` (the port may come
//! from the server settings, and HTTPS may have fallen back to HTTP), so the check follows it; the
//! configuration's port over HTTP is the fallback. Over HTTPS the certificate is not verified when
//! the check talks to a loopback address (it is this machine's own server, often with a
//! self-signed certificate); for any other address the served certificate file is the only trusted
//! root.

use std::net::IpAddr;
use std::time::Duration;

use plexward_shared::Scheme;

use crate::config::Config;
use crate::startup::{LISTENING_FILE, Listening};

/// Exit code 0 when the server answers 200, 1 otherwise (with the reason on stderr).
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let ip: IpAddr = if config.bind.is_unspecified() {
        match config.bind {
            IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        }
    } else {
        config.bind
    };
    let host = if ip.is_ipv6() {
        format!("[{ip}]")
    } else {
        ip.to_string()
    };
    let listening = std::fs::read(config.data_dir.join(LISTENING_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Listening>(&bytes).ok())
        .unwrap_or(Listening {
            scheme: Scheme::Http,
            port: config.port,
            certificate: None,
        });
    let url = format!(
        "{}://{host}:{}/api/v1/health",
        listening.scheme.as_str(),
        listening.port
    );
    let mut client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none());
    if listening.scheme == Scheme::Https {
        if ip.is_loopback() {
            client = client.tls_danger_accept_invalid_certs(true);
        } else if let Some(path) = &listening.certificate {
            let pem = std::fs::read(path)?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)?;
            client = client
                .tls_certs_only(certs)
                .tls_danger_accept_invalid_hostnames(true);
        }
    }
    let response = client.build()?.get(&url).send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "{url} answered {}",
        response.status()
    );
    Ok(())
}

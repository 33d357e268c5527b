//! `plexward healthcheck`: asks the server on this machine for `/api/v1/health`. The Docker image
//! uses it, so no curl is needed in the image.

use std::time::Duration;

use crate::config::Config;

/// Exit code 0 when the server answers 200, 1 otherwise (with the reason on stderr).
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let host = if config.bind.is_unspecified() {
        match config.bind {
            std::net::IpAddr::V4(_) => "127.0.0.1".to_owned(),
            std::net::IpAddr::V6(_) => "[::1]".to_owned(),
        }
    } else if config.bind.is_ipv6() {
        format!("[{}]", config.bind)
    } else {
        config.bind.to_string()
    };
    let url = format!("http://{host}:{}/api/v1/health", config.port);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = client.get(&url).send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "{url} answered {}",
        response.status()
    );
    Ok(())
}

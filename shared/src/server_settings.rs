//! The web server itself (`/api/v1/settings/server`, `/api/v1/system/restart`): port, HTTPS and
//! the certificate. Changes take effect at the next (graceful) restart.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::plex_settings::SettingSource;

/// Most hostnames/IPs the certificate may name (besides the `localhost` entries always added).
pub const MAX_HOSTNAMES: usize = 20;
/// Lowest port Plexward accepts (ports below need root).
pub const MIN_PORT: u16 = 1024;
/// Largest accepted PEM upload, per part (`cert`, `key`).
pub const MAX_PEM_BYTES: usize = 64 * 1024;

/// How Plexward serves: plain HTTP, HTTPS with a certificate it makes itself, or HTTPS with an
/// uploaded certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HttpsMode {
    #[default]
    Off,
    /// A self-signed certificate Plexward generates (browsers warn until it is trusted).
    SelfSigned,
    /// The certificate and key uploaded with `POST /api/v1/settings/server/certificate`.
    Custom,
}

impl HttpsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpsMode::Off => "off",
            HttpsMode::SelfSigned => "self_signed",
            HttpsMode::Custom => "custom",
        }
    }
}

impl std::str::FromStr for HttpsMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "off" => Ok(HttpsMode::Off),
            "self_signed" => Ok(HttpsMode::SelfSigned),
            "custom" => Ok(HttpsMode::Custom),
            other => Err(format!(
                "unknown HTTPS mode `{other}` (off, self_signed, custom)"
            )),
        }
    }
}

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Who made a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    SelfSigned,
    Custom,
}

/// A certificate's public details (never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CertificateInfo {
    pub kind: CertificateKind,
    /// The leaf's subject, e.g. `CN=plex.example.com`.
    pub subject: String,
    /// The leaf's issuer.
    pub issuer: String,
    /// DNS names and IP addresses the certificate is valid for.
    pub sans: Vec<String>,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub not_before: DateTime<Utc>,
    #[serde(with = "crate::time::rfc3339_ms")]
    pub not_after: DateTime<Utc>,
    /// Less than 30 days left.
    pub expires_soon: bool,
    /// SHA-256 of the leaf (DER), hex.
    pub sha256: String,
    /// Whether the running server uses it now.
    pub in_use: bool,
}

/// What the server runs with now (it changes only at a restart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RunningServer {
    pub port: u16,
    pub scheme: Scheme,
    /// The HTTPS mode actually serving: `off` when HTTPS was asked for but fell back to HTTP.
    pub https: HttpsMode,
}

/// Body of `GET/PUT /api/v1/settings/server`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ServerSettingsResponse {
    /// The port Plexward listens on after the next restart.
    pub port: u16,
    pub port_source: SettingSource,
    pub https: HttpsMode,
    pub https_source: SettingSource,
    /// Extra names and IPs the self-signed certificate covers (`localhost`, `127.0.0.1` and
    /// `::1` are always added).
    pub hostnames: Vec<String>,
    pub hostnames_source: SettingSource,
    /// The saved settings differ from what runs: restart to apply them.
    pub restart_required: bool,
    pub running: RunningServer,
    /// The certificate in use, or else the one the saved mode would use (absent: none yet).
    pub certificate: Option<CertificateInfo>,
    /// Why HTTPS is not served although asked for (the server fell back to HTTP), or what is
    /// wrong with the configured certificate.
    pub tls_problem: Option<String>,
    /// Version of these settings, also sent as the `ETag`: send it back in `If-Match` so a change
    /// made by someone else meanwhile is not overwritten (412).
    #[serde(default)]
    pub version: String,
}

/// Body of `PUT /api/v1/settings/server` (admin). Absent fields are kept; pinned ones are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateServerSettingsRequest {
    /// 1024–65535.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https: Option<HttpsMode>,
    /// DNS names or IP literals, at most 20; `[]` clears them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostnames: Option<Vec<String>>,
}

/// Body of the 202 of `POST /api/v1/system/restart`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RestartResponse {
    /// Where Plexward will answer once restarted (scheme, this request's host, the new port).
    pub url: String,
}

/// Checks a port for the settings: 1024–65535.
pub fn check_port(port: u16) -> Result<u16, String> {
    if port < MIN_PORT {
        return Err(format!(
            "must be {MIN_PORT}–65535 (lower ports need root privileges)"
        ));
    }
    Ok(port)
}

/// Checks one hostname: an IP literal (v4 or v6, brackets allowed) or a DNS name (labels of
/// letters, digits and `-`, not starting or ending with `-`, ≤ 63 characters each, ≤ 253 in all; a
/// leading `*.` wildcard is allowed). Returns it normalised (lower case, no brackets or trailing
/// dot).
pub fn check_hostname(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    let unbracketed = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return Ok(ip.to_string());
    }
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name.len() > 253 {
        return Err(format!("`{raw}` is longer than 253 characters"));
    }
    let labels = name.strip_prefix("*.").unwrap_or(&name);
    let ok = !labels.is_empty()
        && labels.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    // A name made of digits and dots only would be a malformed IP address.
    let numeric = labels.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if !ok || numeric {
        return Err(format!(
            "`{raw}` is neither a DNS name (e.g. plex.example.com) nor an IP address"
        ));
    }
    Ok(name)
}

/// Checks the hostname list: each [`check_hostname`], at most [`MAX_HOSTNAMES`], duplicates
/// dropped (order kept).
pub fn check_hostnames(raw: &[String]) -> Result<Vec<String>, String> {
    if raw.len() > MAX_HOSTNAMES {
        return Err(format!("at most {MAX_HOSTNAMES} entries"));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for name in raw {
        let name = check_hostname(name)?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_are_dns_names_or_ips() {
        assert_eq!(
            check_hostname(" Plex.Example.COM. ").as_deref(),
            Ok("plex.example.com")
        );
        assert_eq!(check_hostname("[::1]").as_deref(), Ok("::1"));
        assert_eq!(
            check_hostname("192.168.1.10").as_deref(),
            Ok("192.168.1.10")
        );
        assert!(check_hostname("*.example.com").is_ok());
        assert!(check_hostname("nas").is_ok());
        for bad in [
            "",
            "-bad.example",
            "bad-.example",
            "a..b",
            "exa mple.com",
            "http://x",
            "x:80",
            "300.1.1.1",
            "ünï.example",
        ] {
            assert!(check_hostname(bad).is_err(), "{bad}");
        }
        assert!(check_hostname(&format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn hostname_lists_are_bounded_and_deduplicated() {
        let many: Vec<String> = (0..=MAX_HOSTNAMES).map(|i| format!("h{i}.lan")).collect();
        assert!(check_hostnames(&many).is_err());
        assert_eq!(
            check_hostnames(&["a.lan".into(), "A.lan".into()]),
            Ok(vec!["a.lan".to_owned()])
        );
    }

    #[test]
    fn ports_and_modes() {
        assert!(check_port(80).is_err());
        assert_eq!(check_port(1024), Ok(1024));
        assert_eq!(check_port(65535), Ok(65535));
        for mode in [HttpsMode::Off, HttpsMode::SelfSigned, HttpsMode::Custom] {
            assert_eq!(mode.as_str().parse::<HttpsMode>(), Ok(mode));
        }
        assert!("on".parse::<HttpsMode>().is_err());
    }
}

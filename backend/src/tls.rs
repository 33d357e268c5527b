//! HTTPS: the certificate files in `data_dir/tls/`, their validation, and the rustls server
//! configuration built from them.
//!
//! - `self_signed.crt` / `self_signed.key`: generated here (ECDSA P-256) for the configured
//!   hostnames plus `localhost`, `127.0.0.1` and `::1`; valid one year (below the 398 days browsers
//!   accept for publicly trusted certificates and Apple's 825-day cap for any TLS server
//!   certificate, so a manually trusted copy keeps working), regenerated at start when the names
//!   change or fewer than 30 days are left.
//! - `custom.crt` / `custom.key`: uploaded by an admin, validated by [`validate_pair`] before they
//!   are written.
//!
//! Keys are written with mode 0600, every file atomically (temporary file, fsync, rename). Nothing
//! here ever stops Plexward from starting: [`prepare`] reports a problem instead and the server
//! falls back to HTTP.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use plexward_shared::{CertificateInfo, CertificateKind, HttpsMode};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest as _, Sha256};
use x509_parser::prelude::{FromDer as _, GeneralName, X509Certificate};

/// The directory under the data directory.
pub const TLS_DIR: &str = "tls";
pub const SELF_SIGNED_CERT: &str = "self_signed.crt";
pub const SELF_SIGNED_KEY: &str = "self_signed.key";
pub const CUSTOM_CERT: &str = "custom.crt";
pub const CUSTOM_KEY: &str = "custom.key";

/// Validity of a generated certificate (see the module documentation for why one year).
pub const SELF_SIGNED_DAYS: i64 = 365;
/// A certificate with less than this left is "expiring soon"; a self-signed one is renewed.
pub const RENEW_BEFORE_DAYS: i64 = 30;

/// The names a self-signed certificate always covers.
const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join(TLS_DIR)
}

/// The certificate and key files of a mode (none for `off`).
pub fn files(data_dir: &Path, mode: HttpsMode) -> Option<(PathBuf, PathBuf)> {
    let (cert, key) = match mode {
        HttpsMode::Off => return None,
        HttpsMode::SelfSigned => (SELF_SIGNED_CERT, SELF_SIGNED_KEY),
        HttpsMode::Custom => (CUSTOM_CERT, CUSTOM_KEY),
    };
    let dir = dir(data_dir);
    Some((dir.join(cert), dir.join(key)))
}

/// Why a PEM pair is refused: the part (`cert` or `key`) and a reason safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {reason}")]
pub struct PairError {
    pub part: &'static str,
    pub reason: String,
}

fn cert_error(reason: impl Into<String>) -> PairError {
    PairError {
        part: "cert",
        reason: reason.into(),
    }
}

fn key_error(reason: impl Into<String>) -> PairError {
    PairError {
        part: "key",
        reason: reason.into(),
    }
}

/// A certificate chain and its key that passed [`validate_pair`].
#[derive(Debug)]
pub struct ValidPair {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// The leaf's details (`in_use` false, `kind` as given).
    pub info: CertificateInfo,
}

/// Checks a PEM certificate chain and private key: at least one certificate, exactly one
/// unencrypted key, every certificate parses and is valid at `now`, each certificate is issued
/// (name and signature) by the next one, and the key belongs to the first.
pub fn validate_pair(
    cert_pem: &[u8],
    key_pem: &[u8],
    kind: CertificateKind,
    now: DateTime<Utc>,
) -> Result<ValidPair, PairError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(format!("is not valid PEM ({e})")))?;
    if chain.is_empty() {
        return Err(cert_error(
            "contains no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ));
    }
    let keys = PrivateKeyDer::pem_slice_iter(key_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| key_error(format!("is not valid PEM ({e})")))?;
    let key = match keys.len() {
        1 => keys
            .into_iter()
            .next()
            .ok_or_else(|| key_error("missing"))?,
        0 if String::from_utf8_lossy(key_pem).contains("ENCRYPTED PRIVATE KEY") => {
            return Err(key_error(
                "is encrypted; upload the key without a passphrase (e.g. `openssl pkey -in key.pem -out plain.pem`)",
            ));
        }
        0 => {
            return Err(key_error(
                "contains no PEM private key (PKCS#8, PKCS#1 or SEC1)",
            ));
        }
        n => {
            return Err(key_error(format!(
                "contains {n} private keys; upload exactly one"
            )));
        }
    };

    let parsed = chain
        .iter()
        .enumerate()
        .map(|(i, der)| {
            X509Certificate::from_der(der.as_ref())
                .map(|(_, cert)| cert)
                .map_err(|e| {
                    cert_error(format!(
                        "certificate #{} is not a valid X.509 certificate ({e})",
                        i + 1
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (i, cert) in parsed.iter().enumerate() {
        let which = if i == 0 {
            "the certificate".to_owned()
        } else {
            format!("certificate #{} of the chain", i + 1)
        };
        let (not_before, not_after) = validity(cert);
        if not_after < now {
            return Err(cert_error(format!(
                "{which} expired on {}",
                plexward_shared::time::format(&not_after)
            )));
        }
        if not_before > now {
            return Err(cert_error(format!(
                "{which} is not valid before {}",
                plexward_shared::time::format(&not_before)
            )));
        }
    }
    for (i, pair) in parsed.windows(2).enumerate() {
        let (cert, issuer) = (&pair[0], &pair[1]);
        let issued = cert.issuer().as_raw() == issuer.subject().as_raw()
            && cert.verify_signature(Some(issuer.public_key())).is_ok();
        if !issued {
            return Err(cert_error(format!(
                "certificate #{} is not issued by certificate #{}: put the server certificate \
                 first, then each issuer in order",
                i + 1,
                i + 2
            )));
        }
    }

    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let certified = rustls::sign::CertifiedKey::from_der(chain.clone(), key.clone_key(), &provider)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => key_error("does not belong to the certificate"),
            other => key_error(format!("cannot be used ({other})")),
        })?;
    match certified.keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
        Err(_) => return Err(key_error("does not belong to the certificate")),
    }

    let info = describe(&parsed[0], chain[0].as_ref(), kind, now);
    Ok(ValidPair { chain, key, info })
}

fn validity(cert: &X509Certificate<'_>) -> (DateTime<Utc>, DateTime<Utc>) {
    let time = |t: i64| DateTime::from_timestamp(t, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let v = cert.validity();
    (
        time(v.not_before.timestamp()),
        time(v.not_after.timestamp()),
    )
}

fn describe(
    cert: &X509Certificate<'_>,
    der: &[u8],
    kind: CertificateKind,
    now: DateTime<Utc>,
) -> CertificateInfo {
    let (not_before, not_after) = validity(cert);
    CertificateInfo {
        kind,
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        sans: sans(cert),
        not_before,
        not_after,
        expires_soon: not_after - now < Duration::days(RENEW_BEFORE_DAYS),
        sha256: hex(&Sha256::digest(der)),
        in_use: false,
    }
}

fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some((*dns).to_owned()),
            GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => <[u8; 4]>::try_from(*bytes)
                    .ok()
                    .map(|b| IpAddr::from(b).to_string()),
                16 => <[u8; 16]>::try_from(*bytes)
                    .ok()
                    .map(|b| IpAddr::from(b).to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The details of the certificate file of `mode`, when it exists and parses (for the settings
/// page; not validated further).
pub fn read_info(data_dir: &Path, mode: HttpsMode, now: DateTime<Utc>) -> Option<CertificateInfo> {
    let (cert_path, _) = files(data_dir, mode)?;
    let pem = std::fs::read(cert_path).ok()?;
    let der = CertificateDer::pem_slice_iter(&pem).next()?.ok()?;
    let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
    let kind = match mode {
        HttpsMode::Custom => CertificateKind::Custom,
        _ => CertificateKind::SelfSigned,
    };
    Some(describe(&cert, der.as_ref(), kind, now))
}

/// The SANs a self-signed certificate for `hostnames` carries.
pub fn self_signed_names(hostnames: &[String]) -> Vec<String> {
    let mut names: Vec<String> = hostnames.to_vec();
    for name in LOOPBACK_NAMES {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

/// Makes sure `tls/self_signed.{crt,key}` exist, cover exactly `hostnames` (+ loopback) and have
/// more than [`RENEW_BEFORE_DAYS`] left; generates a new pair otherwise. Returns the PEM texts.
pub fn ensure_self_signed(
    data_dir: &Path,
    hostnames: &[String],
    now: DateTime<Utc>,
) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let (cert_path, key_path) = files(data_dir, HttpsMode::SelfSigned)
        .ok_or_else(|| anyhow::anyhow!("no files for self-signed"))?;
    let wanted: BTreeSet<String> = self_signed_names(hostnames).into_iter().collect();
    if let (Ok(cert), Ok(key)) = (std::fs::read(&cert_path), std::fs::read(&key_path)) {
        match validate_pair(&cert, &key, CertificateKind::SelfSigned, now) {
            Ok(pair) => {
                let have: BTreeSet<String> = pair.info.sans.iter().cloned().collect();
                if have == wanted && !pair.info.expires_soon {
                    return Ok((cert, key));
                }
                tracing::info!(
                    names_changed = have != wanted,
                    not_after = %pair.info.not_after,
                    "renewing the self-signed certificate"
                );
            }
            Err(e) => {
                tracing::warn!(error = %e, "the self-signed certificate is unusable; making a new one")
            }
        }
    }
    let (cert, key) = generate_self_signed(hostnames, now)?;
    ensure_dir(&dir(data_dir))?;
    write_atomically(&key_path, key.as_bytes(), true)?;
    write_atomically(&cert_path, cert.as_bytes(), false)?;
    tracing::info!(
        path = %cert_path.display(),
        names = ?wanted,
        "generated a self-signed certificate (valid {SELF_SIGNED_DAYS} days)"
    );
    Ok((cert.into_bytes(), key.into_bytes()))
}

/// A fresh ECDSA P-256 self-signed certificate: `(cert PEM, key PEM)`.
pub fn generate_self_signed(
    hostnames: &[String],
    now: DateTime<Utc>,
) -> anyhow::Result<(String, String)> {
    use rcgen::{
        CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair,
        KeyUsagePurpose,
    };
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(self_signed_names(hostnames))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Plexward");
    dn.push(
        DnType::CommonName,
        hostnames.first().map_or("localhost", String::as_str),
    );
    params.distinguished_name = dn;
    // An hour back, for clocks slightly behind ours.
    params.not_before = offset_time(now - Duration::hours(1))?;
    params.not_after = offset_time(now + Duration::days(SELF_SIGNED_DAYS))?;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn offset_time(t: DateTime<Utc>) -> anyhow::Result<time::OffsetDateTime> {
    Ok(time::OffsetDateTime::from_unix_timestamp(t.timestamp())?)
}

/// Writes the validated uploaded pair to `tls/custom.{crt,key}` (atomically each; key 0600).
pub fn save_custom(data_dir: &Path, cert_pem: &[u8], key_pem: &[u8]) -> std::io::Result<()> {
    let dir = dir(data_dir);
    ensure_dir(&dir)?;
    write_atomically(&dir.join(CUSTOM_KEY), key_pem, true)?;
    write_atomically(&dir.join(CUSTOM_CERT), cert_pem, false)
}

fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Writes `bytes` to a temporary file beside `path` (0600 when `private`), fsyncs it and renames
/// it over `path`, so a reader sees the old file or the new one, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// What [`prepare`] decided for the listener.
#[derive(Debug, Default)]
pub struct Prepared {
    /// Serve HTTPS with this; `None`: HTTP.
    pub server_config: Option<rustls::ServerConfig>,
    /// The certificate served (`in_use` set).
    pub certificate: Option<CertificateInfo>,
    /// Why HTTPS was asked for but is not served.
    pub problem: Option<String>,
}

/// The TLS configuration for `mode`. Never fails: a missing or bad certificate gives a `problem`
/// and no configuration (HTTP).
pub fn prepare(data_dir: &Path, mode: HttpsMode, hostnames: &[String]) -> Prepared {
    let now = Utc::now();
    let loaded = match mode {
        HttpsMode::Off => return Prepared::default(),
        HttpsMode::SelfSigned => ensure_self_signed(data_dir, hostnames, now)
            .map_err(|e| format!("cannot create the self-signed certificate: {e:#}"))
            .and_then(|(cert, key)| {
                validate_pair(&cert, &key, CertificateKind::SelfSigned, now)
                    .map_err(|e| format!("the self-signed certificate is unusable: {e}"))
            }),
        HttpsMode::Custom => load_custom(data_dir, now),
    };
    let built = loaded.and_then(|pair| {
        server_config(pair.chain, pair.key)
            .map(|config| (config, pair.info))
            .map_err(|e| format!("rustls refused the certificate: {e}"))
    });
    match built {
        Ok((config, mut info)) => {
            info.in_use = true;
            if info.expires_soon {
                tracing::warn!(not_after = %info.not_after, "the HTTPS certificate expires soon");
            }
            Prepared {
                server_config: Some(config),
                certificate: Some(info),
                problem: None,
            }
        }
        Err(problem) => Prepared {
            server_config: None,
            certificate: None,
            problem: Some(problem),
        },
    }
}

/// Reads and validates the uploaded pair.
pub fn load_custom(data_dir: &Path, now: DateTime<Utc>) -> Result<ValidPair, String> {
    let (cert_path, key_path) =
        files(data_dir, HttpsMode::Custom).ok_or_else(|| "no custom files".to_owned())?;
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                "no certificate has been uploaded (POST /api/v1/settings/server/certificate)"
                    .to_owned()
            }
            _ => format!("cannot read {}: {e}", path.display()),
        })
    };
    let (cert, key) = (read(&cert_path)?, read(&key_path)?);
    validate_pair(&cert, &key, CertificateKind::Custom, now)
        .map_err(|e| format!("the uploaded certificate is unusable: {e}"))
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<rustls::ServerConfig, rustls::Error> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_certificate_validates_and_names_loopback() {
        let now = Utc::now();
        let (cert, key) =
            generate_self_signed(&["nas.lan".into(), "10.0.0.5".into()], now).expect("generated");
        let pair = validate_pair(
            cert.as_bytes(),
            key.as_bytes(),
            CertificateKind::SelfSigned,
            now,
        )
        .expect("valid");
        let sans: BTreeSet<_> = pair.info.sans.iter().map(String::as_str).collect();
        assert_eq!(
            sans,
            BTreeSet::from(["nas.lan", "10.0.0.5", "localhost", "127.0.0.1", "::1"])
        );
        assert!(
            pair.info.subject.contains("nas.lan"),
            "{}",
            pair.info.subject
        );
        assert!(pair.info.not_after > now + Duration::days(360));
        assert!(!pair.info.expires_soon);
    }

    #[test]
    fn self_signed_is_kept_renewed_on_name_change_and_near_expiry() {
        let tmp = tempfile::tempdir().expect("tmp");
        let now = Utc::now();
        let (first, _) = ensure_self_signed(tmp.path(), &[], now).expect("made");
        let (again, _) = ensure_self_signed(tmp.path(), &[], now).expect("kept");
        assert_eq!(first, again, "unchanged names keep the certificate");
        let (renamed, _) = ensure_self_signed(tmp.path(), &["nas.lan".into()], now).expect("new");
        assert_ne!(first, renamed);
        let later = now + Duration::days(SELF_SIGNED_DAYS - 10);
        let (renewed, _) =
            ensure_self_signed(tmp.path(), &["nas.lan".into()], later).expect("renewed");
        assert_ne!(renamed, renewed);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir(tmp.path()).join(SELF_SIGNED_KEY))
                .expect("key")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn garbage_and_missing_parts_are_named() {
        let now = Utc::now();
        let (cert, key) = generate_self_signed(&[], now).expect("generated");
        let err = validate_pair(b"nonsense", key.as_bytes(), CertificateKind::Custom, now)
            .expect_err("no cert");
        assert_eq!(err.part, "cert");
        let err =
            validate_pair(cert.as_bytes(), b"", CertificateKind::Custom, now).expect_err("no key");
        assert_eq!(err.part, "key");
        let two_keys = format!("{key}{key}");
        let err = validate_pair(
            cert.as_bytes(),
            two_keys.as_bytes(),
            CertificateKind::Custom,
            now,
        )
        .expect_err("two keys");
        assert!(err.reason.contains("2 private keys"), "{err}");
    }

    #[test]
    fn prepare_never_fails() {
        let tmp = tempfile::tempdir().expect("tmp");
        let prepared = prepare(tmp.path(), HttpsMode::Custom, &[]);
        assert!(prepared.server_config.is_none());
        assert!(
            prepared
                .problem
                .as_deref()
                .is_some_and(|p| p.contains("no certificate has been uploaded")),
            "{prepared:?}"
        );
        let prepared = prepare(tmp.path(), HttpsMode::SelfSigned, &[]);
        assert!(prepared.server_config.is_some(), "{prepared:?}");
        assert!(prepared.certificate.is_some_and(|c| c.in_use));
    }
}

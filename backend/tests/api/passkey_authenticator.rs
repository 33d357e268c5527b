//! A software passkey authenticator for the API tests: it answers Plexward's WebAuthn options the
//! way a browser and a platform authenticator would (WebAuthn Level 3 §6.1 authenticator data,
//! "none" attestation, ES256 signatures over authenticator data ‖ SHA-256(client data)). The
//! checks are all webauthn-rs's on the server; the browser tests use Chromium's own virtual
//! authenticator instead.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use rand::RngCore as _;
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const UP: u8 = 0x01;
const UV: u8 = 0x04;
const AT: u8 = 0x40;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).expect("base64url")
}

/// One credential the authenticator holds (a resident key: it knows its user).
#[derive(Clone)]
pub struct Credential {
    pub id: Vec<u8>,
    key: SigningKey,
    rp_id: String,
    user_handle: Vec<u8>,
    counter: u32,
}

/// The authenticator, and the origin of the page that calls it.
pub struct Authenticator {
    pub origin: String,
    pub credentials: Vec<Credential>,
    /// Whether it says the user was verified (PIN or biometrics).
    pub user_verified: bool,
}

fn random_key() -> SigningKey {
    loop {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return key;
        }
    }
}

fn cose_key(key: &SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    let map: BTreeMap<Cbor, Cbor> = [
        (Cbor::Integer(1), Cbor::Integer(2)),  // kty: EC2
        (Cbor::Integer(3), Cbor::Integer(-7)), // alg: ES256
        (Cbor::Integer(-1), Cbor::Integer(1)), // crv: P-256
        (Cbor::Integer(-2), Cbor::Bytes(bytes[1..33].to_vec())),
        (Cbor::Integer(-3), Cbor::Bytes(bytes[33..65].to_vec())),
    ]
    .into_iter()
    .collect();
    serde_cbor_2::to_vec(&Cbor::Map(map)).expect("cbor")
}

/// The ids of a list of credential descriptors (`[{"type","id"}]`; none when absent).
fn credential_ids(list: &Value) -> Vec<Vec<u8>> {
    list.as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| c["id"].as_str().map(unb64))
                .collect()
        })
        .unwrap_or_default()
}

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": kind,
        "challenge": challenge,
        "origin": origin,
        "crossOrigin": false,
    }))
    .expect("json")
}

impl Authenticator {
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            credentials: Vec::new(),
            user_verified: true,
        }
    }

    fn flags(&self) -> u8 {
        if self.user_verified { UP | UV } else { UP }
    }

    /// `navigator.credentials.create()` for Plexward's `options` (`{"publicKey": …}`): a new
    /// credential, as `PublicKeyCredential.toJSON()` gives it. Refuses (None) when it already
    /// holds one of `excludeCredentials`, as authenticators do.
    pub fn create(&mut self, options: &Value) -> Option<Value> {
        let public_key = &options["publicKey"];
        let excluded = credential_ids(&public_key["excludeCredentials"]);
        if self.credentials.iter().any(|c| excluded.contains(&c.id)) {
            return None;
        }
        let mut id = vec![0u8; 16];
        rand::rng().fill_bytes(&mut id);
        let credential = Credential {
            id,
            key: random_key(),
            rp_id: public_key["rp"]["id"].as_str().expect("rp.id").to_owned(),
            user_handle: unb64(public_key["user"]["id"].as_str().expect("user.id")),
            counter: 0,
        };
        let answer = self.attest(public_key, &credential);
        self.credentials.push(credential);
        Some(answer)
    }

    /// A registration answer for `public_key` with a credential this authenticator holds
    /// already (ignoring `excludeCredentials`): what a second registration of the same passkey
    /// would send.
    pub fn create_again(&self, options: &Value, index: usize) -> Value {
        self.attest(&options["publicKey"], &self.credentials[index])
    }

    fn attest(&self, public_key: &Value, credential: &Credential) -> Value {
        let challenge = public_key["challenge"].as_str().expect("challenge");
        let client = client_data("webauthn.create", challenge, &self.origin);
        let mut auth_data = Sha256::digest(credential.rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags() | AT);
        auth_data.extend_from_slice(&credential.counter.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: none
        let id_len = u16::try_from(credential.id.len()).expect("short id");
        auth_data.extend_from_slice(&id_len.to_be_bytes());
        auth_data.extend_from_slice(&credential.id);
        auth_data.extend_from_slice(&cose_key(&credential.key));
        let attestation: BTreeMap<Cbor, Cbor> = [
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new())),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]
        .into_iter()
        .collect();
        json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client),
                "attestationObject": b64(&serde_cbor_2::to_vec(&Cbor::Map(attestation)).expect("cbor")),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        })
    }

    /// `navigator.credentials.get()` for Plexward's `options`: an assertion by the first
    /// credential allowed (any of this site's when the list is empty: a discoverable sign-in),
    /// as `toJSON()` gives it; `None` when it holds none that fits.
    pub fn get(&mut self, options: &Value) -> Option<Value> {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rpId"].as_str().expect("rpId").to_owned();
        let allowed = credential_ids(&public_key["allowCredentials"]);
        let flags = self.flags();
        let origin = self.origin.clone();
        let credential = self
            .credentials
            .iter_mut()
            .find(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))?;
        credential.counter += 1;
        let challenge = public_key["challenge"].as_str().expect("challenge");
        let client = client_data("webauthn.get", challenge, &origin);
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(flags);
        auth_data.extend_from_slice(&credential.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client));
        let signature: Signature = credential.key.sign(&signed);
        Some(json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&credential.user_handle),
            },
            "clientExtensionResults": {},
        }))
    }
}

//! The OpenID Connect relying party (openidconnect 4 on our own reqwest): discovery, the
//! authorization URL with PKCE (S256), state and nonce, the code exchange and every ID-token
//! check — issuer, audience, expiry, nonce, signature against the provider's JWKS (fetched again,
//! at most once a minute, when a token names a key it does not know: the provider rotated).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::url;
use openidconnect::{
    AdditionalClaims, AsyncHttpClient, AuthType, AuthorizationCode, ClaimsVerificationError,
    Client, ClientId, ClientSecret, CsrfToken, DiscoveryError, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpClientError, HttpRequest, HttpResponse,
    IdTokenClaims, IdTokenFields, IssuerUrl, JsonWebKeySet, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
    StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Deserializer, Serialize};

/// Our reqwest client behind openidconnect's trait: redirects off (a provider URL answering 3xx
/// is an error, never followed), timeouts, and a bounded body.
#[derive(Clone, Debug)]
pub struct OidcHttp {
    client: reqwest::Client,
}

const MAX_BODY: usize = 1024 * 1024;

impl OidcHttp {
    pub fn new() -> reqwest::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("Plexward/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client })
    }
}

pub type OidcHttpError = HttpClientError<reqwest::Error>;

impl<'c> AsyncHttpClient<'c> for OidcHttp {
    type Error = OidcHttpError;
    type Future =
        Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request: reqwest::Request = request.try_into().map_err(Box::new)?;
            let mut response = self.client.execute(request).await.map_err(Box::new)?;
            let mut builder = openidconnect::http::Response::builder()
                .status(response.status())
                .version(response.version());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(Box::new)? {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(HttpClientError::Other(format!(
                        "the provider's answer is over {MAX_BODY} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            builder.body(body).map_err(HttpClientError::Http)
        })
    }
}

/// The groups claim (not a standard one): an array, a single string, or absent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupsClaims {
    #[serde(default, deserialize_with = "one_or_many")]
    pub groups: Vec<String>,
}
impl AdditionalClaims for GroupsClaims {}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
        Null(()),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
        OneOrMany::Null(()) => vec![],
    })
}

type GroupsIdTokenFields = IdTokenFields<
    GroupsClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type GroupsTokenResponse = StandardTokenResponse<GroupsIdTokenFields, CoreTokenType>;
type GroupsIdTokenClaims = IdTokenClaims<GroupsClaims, CoreGenderClaim>;

/// The client as discovery builds it: authorization URL set, token and userinfo URLs from the
/// discovery document.
type OidcClient = Client<
    GroupsClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    GroupsTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What the relying party is.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Besides `openid`.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("scopes", &self.scopes)
            .finish()
    }
}

#[derive(Debug)]
struct Current {
    metadata: CoreProviderMetadata,
}

/// A discovered provider.
#[derive(Debug)]
pub struct OidcProvider {
    http: OidcHttp,
    pub config: OidcConfig,
    current: RwLock<Arc<Current>>,
    last_jwks_refresh: Mutex<Instant>,
}

/// Why a sign-in through the provider failed (the person sees a generic sentence; the audit
/// trail and the log get this).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the provider's discovery failed: {0}")]
    Discovery(#[from] DiscoveryError<OidcHttpError>),
    #[error("a URL is not valid: {0}")]
    Url(#[from] url::ParseError),
    #[error("the provider has no token endpoint: {0}")]
    Config(#[from] openidconnect::ConfigurationError),
    #[error("the token request failed: {0}")]
    Token(#[from] RequestTokenError<OidcHttpError, StandardErrorResponse<CoreErrorResponseType>>),
    #[error("the provider sent no ID token")]
    NoIdToken,
    #[error("the ID token was refused: {0}")]
    Claims(#[from] ClaimsVerificationError),
    #[error("the ID token's signature was refused: {0}")]
    Signature(#[from] SignatureVerificationError),
    #[error("the provider's HTTP client could not be built: {0}")]
    Http(#[from] reqwest::Error),
}

impl OidcError {
    /// A short name for the audit trail.
    pub fn kind(&self) -> &'static str {
        match self {
            OidcError::Discovery(_) | OidcError::Url(_) | OidcError::Config(_) => "provider",
            OidcError::Http(_) => "provider",
            OidcError::Token(_) => "token_request",
            OidcError::NoIdToken => "no_id_token",
            OidcError::Claims(ClaimsVerificationError::InvalidAudience(_)) => "wrong_audience",
            OidcError::Claims(ClaimsVerificationError::Expired(_)) => "token_expired",
            OidcError::Claims(ClaimsVerificationError::InvalidIssuer(_)) => "wrong_issuer",
            OidcError::Claims(ClaimsVerificationError::InvalidNonce(_)) => "wrong_nonce",
            OidcError::Claims(_) | OidcError::Signature(_) => "bad_token",
        }
    }
}

/// What the callback needs to finish a sign-in (kept server-side between the two requests).
#[derive(Debug, Clone)]
pub struct Pending {
    pub csrf_state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub preferred_username: Option<String>,
    pub groups: Vec<String>,
}

const JWKS_MIN_REFRESH: Duration = Duration::from_secs(60);

impl OidcProvider {
    /// Reads the provider's discovery document (its issuer must be `config.issuer` exactly) and
    /// its keys.
    pub async fn discover(config: OidcConfig) -> Result<Self, OidcError> {
        let http = OidcHttp::new()?;
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(config.issuer.clone())?, &http)
                .await?;
        Ok(Self {
            http,
            config,
            current: RwLock::new(Arc::new(Current { metadata })),
            last_jwks_refresh: Mutex::new(Instant::now()),
        })
    }

    fn current(&self) -> Arc<Current> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn client(
        &self,
        metadata: &CoreProviderMetadata,
        redirect_uri: &str,
    ) -> Result<OidcClient, OidcError> {
        // The crate always authenticates with HTTP Basic unless told; use the body when the
        // provider offers only that.
        let post_only = metadata
            .token_endpoint_auth_methods_supported()
            .is_some_and(|m| {
                m.contains(&CoreClientAuthMethod::ClientSecretPost)
                    && !m.contains(&CoreClientAuthMethod::ClientSecretBasic)
            });
        Ok(OidcClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_auth_type(if post_only {
            AuthType::RequestBody
        } else {
            AuthType::BasicAuth
        })
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned())?))
    }

    /// Where to send the browser, and what to keep for the callback.
    pub fn authorize(&self, redirect_uri: &str) -> Result<(url::Url, Pending), OidcError> {
        let client = self.client(&self.current().metadata, redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok((
            url,
            Pending {
                csrf_state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
            },
        ))
    }

    /// Trades the callback's `code` for an ID token and checks it. The caller has checked
    /// `state` against [`Pending::csrf_state`].
    pub async fn finish(
        &self,
        code: &str,
        pending: Pending,
        redirect_uri: &str,
    ) -> Result<Identity, OidcError> {
        let client = self.client(&self.current().metadata, redirect_uri)?;
        let token: GroupsTokenResponse = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await?;
        let nonce = Nonce::new(pending.nonce);
        match verify(&client, &token, &nonce) {
            Err(OidcError::Claims(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            ))) => {
                let metadata = self.refresh_jwks().await?;
                verify(&self.client(&metadata, redirect_uri)?, &token, &nonce)
            }
            other => other,
        }
    }

    /// The provider's keys again (at most once a minute, so tokens naming made-up keys cannot
    /// make us hammer it).
    async fn refresh_jwks(&self) -> Result<CoreProviderMetadata, OidcError> {
        let current = self.current();
        {
            let mut last = self
                .last_jwks_refresh
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.elapsed() < JWKS_MIN_REFRESH {
                return Ok(current.metadata.clone());
            }
            *last = Instant::now();
        }
        let keys = JsonWebKeySet::fetch_async(current.metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| OidcError::Discovery(DiscoveryError::Other(e.to_string())))?;
        let metadata = current.metadata.clone().set_jwks(keys);
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(Current {
            metadata: metadata.clone(),
        });
        Ok(metadata)
    }
}

fn verify(
    client: &OidcClient,
    token: &GroupsTokenResponse,
    nonce: &Nonce,
) -> Result<Identity, OidcError> {
    let id_token = token.id_token().ok_or(OidcError::NoIdToken)?;
    let verifier = client.id_token_verifier();
    let claims: &GroupsIdTokenClaims = id_token.claims(&verifier, nonce)?;
    Ok(Identity {
        issuer: claims.issuer().as_str().to_owned(),
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        preferred_username: claims.preferred_username().map(|u| u.as_str().to_owned()),
        groups: claims.additional_claims().groups.clone(),
    })
}

/// Constant-time comparison (the callback's `state` against the one sent).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

//! Keys of an OpenID Connect issuer, found through discovery (DESIGN.md §3).
//!
//! Verification stays synchronous against an in-memory key set; fetching
//! happens beside it: once at start-up, on a schedule, and when a token names a
//! `kid` the set does not have (at most once per `jwks_min_refetch_secs`, so a
//! flood of made-up `kid`s costs the provider one request). A provider that is
//! down leaves the cached keys in place: tokens keep verifying with them, and
//! the log says what is wrong.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use serde::Deserialize;

use super::config::{Algorithm, IssuerConfig};
use super::error::ConfigError;

/// Fetching one document may take this long before it counts as a failure.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Discovery documents and key sets larger than this are refused.
const MAX_DOCUMENT_BYTES: usize = 512 * 1024;
/// While the provider has never answered, retry this often (at the most).
const RETRY_WHILE_EMPTY: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub(crate) struct RemoteKeys {
    iss: String,
    alg: Algorithm,
    refresh_every: Duration,
    min_refetch: Duration,
    keys: RwLock<Arc<HashMap<String, DecodingKey>>>,
    /// Counts the key sets stored: a token verified with an earlier one is
    /// verified again (its key may have been dropped).
    generation: AtomicU64,
    /// Serialises fetches; holds when the last unknown-`kid` fetch started.
    fetching: tokio::sync::Mutex<Option<Instant>>,
    /// The last fetch's failure, if it failed.
    last_error: Mutex<Option<String>>,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl RemoteKeys {
    pub(crate) fn new(cfg: &IssuerConfig) -> Result<Self, ConfigError> {
        if !allowed_url(&cfg.iss) {
            return Err(ConfigError::DiscoveryUrl { iss: cfg.iss.clone() });
        }
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("samprio-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::InvalidJwks {
                iss: cfg.iss.clone(),
                reason: format!("HTTP client: {e}"),
            })?;
        Ok(RemoteKeys {
            iss: cfg.iss.clone(),
            alg: cfg.algorithm,
            refresh_every: Duration::from_secs(cfg.jwks_refresh_secs.max(1)),
            min_refetch: Duration::from_secs(cfg.jwks_min_refetch_secs),
            keys: RwLock::new(Arc::new(HashMap::new())),
            generation: AtomicU64::new(0),
            fetching: tokio::sync::Mutex::new(None),
            last_error: Mutex::new(None),
            http,
        })
    }

    pub(crate) fn issuer(&self) -> &str {
        &self.iss
    }

    pub(crate) fn get(&self, kid: &str) -> Option<DecodingKey> {
        self.current().get(kid).cloned()
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn current(&self) -> Arc<HashMap<String, DecodingKey>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// What is wrong with the provider, if the last fetch failed.
    pub(crate) fn last_error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Fetches discovery and keys now; on failure the cached keys stay.
    pub(crate) async fn refresh(&self) -> Result<usize, String> {
        let _guard = self.fetching.lock().await;
        self.fetch_and_store().await
    }

    /// A token named `kid`, which the cache lacks. Refetches unless another
    /// request already did (then the key may be there now) or an unknown-`kid`
    /// refetch happened less than `jwks_min_refetch_secs` ago. True when the
    /// key is known afterwards.
    pub(crate) async fn refetch_for_unknown_kid(&self, kid: &str) -> bool {
        let mut last = self.fetching.lock().await;
        if self.current().contains_key(kid) {
            return true;
        }
        if let Some(at) = *last
            && at.elapsed() < self.min_refetch
        {
            tracing::debug!(issuer = %self.iss, kid, "unknown kid; key refetch rate limited");
            return false;
        }
        *last = Some(Instant::now());
        tracing::info!(issuer = %self.iss, kid, "unknown kid; refetching the issuer's keys");
        let _ = self.fetch_and_store().await;
        self.current().contains_key(kid)
    }

    /// Refetches on the schedule until the task is aborted; sooner while the
    /// provider has never answered.
    pub(crate) async fn refresh_on_schedule(self: Arc<Self>) {
        loop {
            let wait = if self.current().is_empty() {
                self.refresh_every.min(RETRY_WHILE_EMPTY.max(self.min_refetch))
            } else {
                self.refresh_every
            };
            tokio::time::sleep(wait).await;
            let _ = self.refresh().await;
        }
    }

    async fn fetch_and_store(&self) -> Result<usize, String> {
        let result = self.fetch().await;
        let mut last_error = self.last_error.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(keys) => {
                let n = keys.len();
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
                self.generation.fetch_add(1, Ordering::AcqRel);
                if last_error.take().is_some() {
                    tracing::info!(issuer = %self.iss, keys = n, "identity provider reachable again");
                } else {
                    tracing::debug!(issuer = %self.iss, keys = n, "fetched the issuer's keys");
                }
                Ok(n)
            }
            Err(e) => {
                let cached = self.current().len();
                tracing::warn!(
                    issuer = %self.iss,
                    error = %e,
                    cached_keys = cached,
                    "cannot fetch the identity provider's keys; tokens are verified with the cached keys"
                );
                *last_error = Some(e.clone());
                Err(e)
            }
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, String> {
        let url = format!("{}/.well-known/openid-configuration", self.iss.trim_end_matches('/'));
        let discovery: Discovery = serde_json::from_slice(&self.get_bytes(&url).await?)
            .map_err(|e| format!("{url}: not a discovery document ({e})"))?;
        // OpenID Connect Discovery 1.0 §4.3: the document must name the very
        // issuer it was fetched for.
        if discovery.issuer != self.iss {
            return Err(format!(
                "{url}: names issuer {:?}, not {:?}",
                discovery.issuer, self.iss
            ));
        }
        if !allowed_url(&discovery.jwks_uri) {
            return Err(format!("{url}: jwks_uri {:?} is not https://", discovery.jwks_uri));
        }
        let body = self.get_bytes(&discovery.jwks_uri).await?;
        super::keys::jwks(&self.iss, self.alg, &body).map_err(|e| format!("{}: {e}", discovery.jwks_uri))
    }

    async fn get_bytes(&self, url: &str) -> Result<Vec<u8>, String> {
        let response = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("{url}: {}", error_chain(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{url}: HTTP {status}"));
        }
        if response.content_length().is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64) {
            return Err(format!("{url}: larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("{url}: {}", error_chain(&e)))?;
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(format!("{url}: larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        Ok(body.to_vec())
    }
}

/// `https://`, or `http://` to a loopback address (a provider on the same
/// machine, as in tests).
fn allowed_url(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    match parsed.scheme() {
        "https" => parsed.host().is_some(),
        "http" => match parsed.host_str() {
            Some("localhost") => true,
            Some(host) => host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()),
            None => false,
        },
        _ => false,
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

//! A client for KITOS, OS2's IT-system overview, through its public REST
//! API v2 (DESIGN.md §12): a token from `POST /api/authorize/GetToken`, the
//! organisation by CVR, its system usages paged (`page` from 0, `pageSize`
//! at most 250, a short page ends the list) and incremental
//! (`changedSinceGtEq`), the systems and contracts they refer to, and
//! removals from the delta feed.
//!
//! An expired token (401) is replaced once per request; a server error
//! (5xx) or a lost connection is retried a few times, then reported as
//! KITOS being unavailable.

pub mod dto;
pub mod map;

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::domain::portfolio::PortfolioSystem;
use crate::domain::portfolio::import::{self, ImportPlan, Scope};
pub use map::Snapshot;

/// KITOS's bound on `pageSize` (`BoundedPaginationQuery`).
pub const MAX_PAGE_SIZE: u32 = 250;

#[derive(Debug, Clone)]
pub struct KitosConfig {
    /// e.g. `https://kitos.dk`
    pub base_url: String,
    /// The KITOS API user's e-mail and password.
    pub email: String,
    pub password: String,
    /// Rows per page, 1..=250.
    pub page_size: u32,
    /// Tries per request when KITOS answers 5xx or the connection fails.
    pub max_attempts: u32,
    /// Pause before a retry (doubled for each further one).
    pub retry_delay: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl KitosConfig {
    pub fn new(base_url: &str, email: &str, password: &str) -> KitosConfig {
        KitosConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            email: email.to_string(),
            password: password.to_string(),
            page_size: MAX_PAGE_SIZE,
            max_attempts: 3,
            retry_delay: Duration::from_millis(500),
            timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KitosError {
    #[error("KITOS page size {0} is outside 1..=250")]
    PageSize(u32),
    #[error("cannot set up the HTTP client for KITOS: {0}")]
    Client(String),
    #[error("KITOS refused the API user's credentials (GetToken answered HTTP {status})")]
    Credentials { status: u16 },
    #[error("KITOS refused a fresh token for {path}; does the API user have read access to the organisation?")]
    Unauthorized { path: String },
    #[error("KITOS is unavailable: {path} failed {attempts} times, the last time with {last}")]
    Unavailable { path: String, attempts: u32, last: String },
    #[error("KITOS answered HTTP {status} for {path}: {body}")]
    Http { path: String, status: u16, body: String },
    #[error("KITOS's answer to {path} does not read as its v2 API: {reason}")]
    Decode { path: String, reason: String },
    #[error("KITOS has no organisation with CVR {0}")]
    NoOrganization(String),
}

pub type Result<T> = std::result::Result<T, KitosError>;

pub struct KitosClient {
    http: reqwest::Client,
    cfg: KitosConfig,
    token: Mutex<Option<String>>,
}

/// At most this much of an error body is quoted.
fn excerpt(body: &str) -> String {
    let s: String = body.chars().take(200).collect();
    if s.len() < body.len() { format!("{s}…") } else { s }
}

impl KitosClient {
    pub fn new(cfg: KitosConfig) -> Result<KitosClient> {
        if !(1..=MAX_PAGE_SIZE).contains(&cfg.page_size) {
            return Err(KitosError::PageSize(cfg.page_size));
        }
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .user_agent(concat!("samprio/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| KitosError::Client(e.to_string()))?;
        Ok(KitosClient {
            http,
            cfg,
            token: Mutex::new(None),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cfg.base_url)
    }

    /// Waits before retry number `attempt` (1-based).
    async fn backoff(&self, attempt: u32) {
        let factor = 1u32 << attempt.saturating_sub(1).min(6);
        tokio::time::sleep(self.cfg.retry_delay * factor).await;
    }

    /// Sends a request built by `build`, retrying 5xx answers and failed
    /// connections; returns the first answer that is not a server error.
    async fn send(&self, path: &str, build: impl Fn() -> reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = match build().send().await {
                Ok(r) if r.status().is_server_error() => format!("HTTP {}", r.status().as_u16()),
                Ok(r) => return Ok(r),
                Err(e) => format!("{e}"),
            };
            if attempt >= self.cfg.max_attempts.max(1) {
                return Err(KitosError::Unavailable {
                    path: path.to_string(),
                    attempts: attempt,
                    last,
                });
            }
            tracing::warn!(path, attempt, error = %last, "KITOS request failed; retrying");
            self.backoff(attempt).await;
        }
    }

    async fn new_token(&self) -> Result<String> {
        let path = "/api/authorize/GetToken";
        let creds = dto::UserCredentials {
            email: self.cfg.email.clone(),
            password: self.cfg.password.clone(),
        };
        let r = self.send(path, || self.http.post(self.url(path)).json(&creds)).await?;
        let status = r.status();
        if !status.is_success() {
            return Err(KitosError::Credentials {
                status: status.as_u16(),
            });
        }
        let body: dto::ApiReturn<dto::GetTokenResponse> = r.json().await.map_err(|e| KitosError::Decode {
            path: path.into(),
            reason: e.to_string(),
        })?;
        Ok(body.response.token)
    }

    async fn token(&self, renew: bool) -> Result<String> {
        let mut t = self.token.lock().await;
        if renew || t.is_none() {
            *t = Some(self.new_token().await?);
        }
        Ok(t.clone().unwrap_or_default())
    }

    /// `GET path?query` as JSON, with a fresh token once if KITOS says the
    /// current one has expired.
    pub async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T> {
        let mut renewed = false;
        let mut token = self.token(false).await?;
        loop {
            let r = self
                .send(path, || self.http.get(self.url(path)).bearer_auth(&token).query(query))
                .await?;
            let status = r.status();
            if status == reqwest::StatusCode::UNAUTHORIZED {
                if renewed {
                    return Err(KitosError::Unauthorized { path: path.into() });
                }
                tracing::info!(path, "KITOS token expired; getting a new one");
                token = self.token(true).await?;
                renewed = true;
                continue;
            }
            let body = r.text().await.map_err(|e| KitosError::Decode {
                path: path.into(),
                reason: e.to_string(),
            })?;
            if !status.is_success() {
                return Err(KitosError::Http {
                    path: path.into(),
                    status: status.as_u16(),
                    body: excerpt(&body),
                });
            }
            return serde_json::from_str(&body).map_err(|e| KitosError::Decode {
                path: path.into(),
                reason: e.to_string(),
            });
        }
    }

    /// Every row of a paged list: pages from 0 until one comes back short.
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<Vec<T>> {
        let size = self.cfg.page_size;
        let mut out = Vec::new();
        for page in 0u32.. {
            let mut q = query.to_vec();
            q.push(("page", page.to_string()));
            q.push(("pageSize", size.to_string()));
            let rows: Vec<T> = self.get(path, &q).await?;
            let n = rows.len();
            out.extend(rows);
            if n < size as usize {
                break;
            }
        }
        Ok(out)
    }

    /// The organisation with exactly this CVR number.
    pub async fn organization_by_cvr(&self, cvr: &str) -> Result<dto::Organization> {
        let found: Vec<dto::Organization> = self
            .get_all("/api/v2/organizations", &[("cvrContent", cvr.to_string())])
            .await?;
        found
            .into_iter()
            .find(|o| o.cvr.as_deref() == Some(cvr))
            .ok_or_else(|| KitosError::NoOrganization(cvr.to_string()))
    }

    /// What KITOS knows of the organisation with this CVR: all its usages,
    /// or with `changed_since` those changed since then and the usages
    /// deleted since then.
    pub async fn snapshot(&self, cvr: &str, changed_since: Option<DateTime<Utc>>) -> Result<Snapshot> {
        let org = self.organization_by_cvr(cvr).await?;
        let mut usage_query = vec![("organizationUuid", org.uuid.clone())];
        let since = changed_since.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        if let Some(s) = &since {
            usage_query.push(("changedSinceGtEq", s.clone()));
        }
        let usages: Vec<dto::ItSystemUsage> = self.get_all("/api/v2/it-system-usages", &usage_query).await?;
        let systems: Vec<dto::ItSystem> = self
            .get_all("/api/v2/it-systems", &[("usedInOrganizationUuid", org.uuid.clone())])
            .await?;
        let contracts: Vec<dto::ItContract> = self
            .get_all("/api/v2/it-contracts", &[("organizationUuid", org.uuid.clone())])
            .await?;
        let deleted_usages = match &since {
            None => vec![],
            Some(s) => self
                .get_all::<dto::TrackingEvent>(
                    "/api/v2/delta-feed/deleted-entities",
                    &[
                        ("entityType", "ItSystemUsage".to_string()),
                        ("deletedSinceUTC", s.clone()),
                    ],
                )
                .await?
                .into_iter()
                .filter(|e| e.entity_type == "ItSystemUsage")
                .map(|e| e.entity_uuid)
                .collect(),
        };
        Ok(Snapshot {
            organization: Some(org),
            usages,
            systems: systems.into_iter().map(|s| (s.uuid.clone(), s)).collect(),
            contracts: contracts.into_iter().map(|c| (c.uuid.clone(), c)).collect(),
            deleted_usages,
        })
    }
}

/// What importing `municipality`'s KITOS registrations (its CVR from the
/// register) would change in its `current` portfolio: all of them, or with
/// `changed_since` those changed since the last import.
pub async fn plan_import(
    client: &KitosClient,
    municipality: &str,
    cvr: &str,
    current: &[PortfolioSystem],
    changed_since: Option<DateTime<Utc>>,
    today: NaiveDate,
) -> Result<ImportPlan> {
    let snap = client.snapshot(cvr, changed_since).await?;
    let incoming = map::to_portfolio(municipality, &snap, today);
    let scope = match changed_since {
        None => Scope::Full,
        Some(_) => Scope::Delta {
            removed_ids: snap.deleted_usages.into_iter().collect(),
        },
    };
    Ok(import::plan(current, incoming, &scope))
}

//! The access token in use and its one-shot refresh through Clio's OAuth token endpoint; a
//! refreshed pair from the sign-in store is stored again before it is used.

use std::sync::{Arc, RwLock};

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::clio::ClioError;
use crate::clio::oauth::{TokenGrant, TokenPersistence, post_token};
use crate::config::Credentials;

/// The token in use, with a generation so concurrent 401s refresh only once.
pub struct TokenState {
    current: RwLock<(u64, Option<SecretString>)>,
    refresh_token: RwLock<Option<SecretString>>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    token_url: Url,
    refresh_lock: tokio::sync::Mutex<()>,
    /// Where the tokens came from, when that is the sign-in store: a refreshed pair is written
    /// there before it is used.
    persistence: Option<Arc<dyn TokenPersistence>>,
}

impl TokenState {
    pub fn new(
        credentials: &Credentials,
        token_url: Url,
        persistence: Option<Arc<dyn TokenPersistence>>,
    ) -> TokenState {
        TokenState {
            current: RwLock::new((0, credentials.access_token.clone())),
            refresh_token: RwLock::new(credentials.refresh_token.clone()),
            client_id: credentials.client_id.clone(),
            client_secret: credentials.client_secret.clone(),
            token_url,
            refresh_lock: tokio::sync::Mutex::new(()),
            persistence,
        }
    }

    /// The generation and the bearer value to send.
    pub fn bearer(&self) -> (u64, Option<String>) {
        let guard = self.current.read().unwrap_or_else(|e| e.into_inner());
        (
            guard.0,
            guard
                .1
                .as_ref()
                .map(|t| format!("Bearer {}", t.expose_secret())),
        )
    }

    /// The access token in use (for the deauthorize call only).
    pub(crate) fn access_token(&self) -> Option<SecretString> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    pub fn can_refresh(&self) -> bool {
        self.refresh_token
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
    }

    /// The secrets in use, so the audit log can scrub them from anything it writes.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(t) = &self.current.read().unwrap_or_else(|e| e.into_inner()).1 {
            out.push(t.expose_secret().to_string());
        }
        if let Some(t) = &*self.refresh_token.read().unwrap_or_else(|e| e.into_inner()) {
            out.push(t.expose_secret().to_string());
        }
        if let Some(t) = &self.client_secret {
            out.push(t.expose_secret().to_string());
        }
        out
    }

    /// Uses `grant` from now on; a grant without a refresh token keeps the one there is.
    pub(crate) fn replace(&self, grant: &TokenGrant) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        *current = (current.0 + 1, Some(grant.access_token.clone()));
        if let Some(refresh) = &grant.refresh_token {
            *self
                .refresh_token
                .write()
                .unwrap_or_else(|e| e.into_inner()) = Some(refresh.clone());
        }
    }

    /// Refreshes the access token unless another task already did since `seen_generation`.
    /// With a sign-in store, a pair another process stored since is taken up instead, and a
    /// new pair is stored (fsynced) before it is used, so a crash never loses a rotated token.
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        seen_generation: u64,
    ) -> Result<(), ClioError> {
        let _one_at_a_time = self.refresh_lock.lock().await;
        if self.current.read().unwrap_or_else(|e| e.into_inner()).0 != seen_generation {
            return Ok(());
        }
        if let Some(stored) = self.newer_stored_pair().await {
            tracing::info!("took up the Clio tokens another clio-mcp process refreshed");
            self.replace(&stored);
            return Ok(());
        }
        let refresh = self
            .refresh_token
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let (Some(refresh), Some(client_id), Some(client_secret)) =
            (refresh, &self.client_id, &self.client_secret)
        else {
            return Err(ClioError::Unauthorized {
                message: "the access token was refused and no refresh token is configured"
                    .to_string(),
            });
        };
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose_secret()),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.expose_secret()),
        ];
        let mut grant = post_token(http, &self.token_url, &form, "refreshing the token").await?;
        tracing::info!(expires_in = ?grant.expires_in, "refreshed the Clio access token");
        // Clio may omit the refresh token: the old one stays valid then.
        if grant.refresh_token.is_none() {
            grant.refresh_token = Some(refresh);
        }
        self.store(&grant).await;
        self.replace(&grant);
        Ok(())
    }

    /// The stored pair when another process refreshed since this one read it.
    async fn newer_stored_pair(&self) -> Option<TokenGrant> {
        let persistence = self.persistence.clone()?;
        let stored = match tokio::task::spawn_blocking(move || persistence.load()).await {
            Ok(Ok(Some(stored))) => stored,
            Ok(Ok(None)) => return None,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not read the stored Clio sign-in");
                return None;
            }
            Err(_) => return None,
        };
        let ours = self.access_token();
        let same = ours.is_some_and(|t| t.expose_secret() == stored.access_token.expose_secret());
        (!same).then_some(stored)
    }

    /// Writes `grant` to the sign-in store, if the tokens came from there (else warns). A failure is
    /// logged: the pair is used in this process anyway, since Clio may already have revoked
    /// the old refresh token and dropping the new one would lose the sign-in for good.
    async fn store(&self, grant: &TokenGrant) {
        let Some(persistence) = self.persistence.clone() else {
            // Tokens from the environment have no store: say so (never the token), since a
            // rotated refresh token is then lost when this process ends.
            if grant.refresh_token.is_some() {
                tracing::warn!(
                    "refreshed the Clio tokens from the environment (CLIO_ACCESS_TOKEN, \
                     CLIO_REFRESH_TOKEN): clio-mcp cannot store the new pair, so it works in \
                     this process only and the refresh token in your configuration may no \
                     longer work; run `clio-mcp auth login` to keep a sign-in clio-mcp can \
                     update"
                );
            }
            return;
        };
        let copy = grant.clone();
        let saved = tokio::task::spawn_blocking(move || persistence.save(&copy)).await;
        let problem = match saved {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e,
            Err(_) => "the store's writer stopped".to_string(),
        };
        tracing::error!(
            error = %problem,
            "could not store the refreshed Clio tokens: they work in this process only; \
             run `clio-mcp auth login` if a later run is refused"
        );
    }
}

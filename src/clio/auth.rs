//! The access token in use and its one-shot refresh through Clio's OAuth token endpoint.

use std::sync::RwLock;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::clio::ClioError;
use crate::config::Credentials;

/// The token in use, with a generation so concurrent 401s refresh only once.
pub struct TokenState {
    current: RwLock<(u64, Option<SecretString>)>,
    refresh_token: RwLock<Option<SecretString>>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    token_url: Url,
    refresh_lock: tokio::sync::Mutex<()>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenState {
    pub fn new(credentials: &Credentials, token_url: Url) -> TokenState {
        TokenState {
            current: RwLock::new((0, credentials.access_token.clone())),
            refresh_token: RwLock::new(credentials.refresh_token.clone()),
            client_id: credentials.client_id.clone(),
            client_secret: credentials.client_secret.clone(),
            token_url,
            refresh_lock: tokio::sync::Mutex::new(()),
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

    /// Refreshes the access token unless another task already did since `seen_generation`.
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        seen_generation: u64,
    ) -> Result<(), ClioError> {
        let _one_at_a_time = self.refresh_lock.lock().await;
        if self.current.read().unwrap_or_else(|e| e.into_inner()).0 != seen_generation {
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
        let answer = http
            .post(self.token_url.clone())
            .form(&form)
            .send()
            .await
            .map_err(|e| ClioError::Network {
                message: format!("token refresh: {}", e.without_url()),
                attempts: 1,
            })?;
        let status = answer.status().as_u16();
        let body = answer.bytes().await.map_err(|e| ClioError::Network {
            message: format!("token refresh: {}", e.without_url()),
            attempts: 1,
        })?;
        if status != 200 {
            let (_, message) = crate::clio::error::parse_error_body(&body);
            return Err(ClioError::Unauthorized {
                message: format!("refreshing the token failed: {message}"),
            });
        }
        let parsed: TokenAnswer =
            serde_json::from_slice(&body).map_err(|e| ClioError::InvalidResponse {
                message: format!("token refresh answer: {e}"),
            })?;
        tracing::info!(expires_in = ?parsed.expires_in, "refreshed the Clio access token");
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        *current = (current.0 + 1, Some(SecretString::from(parsed.access_token)));
        // Clio may omit the refresh token: the old one stays valid then.
        if let Some(new_refresh) = parsed.refresh_token {
            *self
                .refresh_token
                .write()
                .unwrap_or_else(|e| e.into_inner()) = Some(SecretString::from(new_refresh));
        }
        Ok(())
    }
}

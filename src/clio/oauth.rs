//! Clio's OAuth endpoints on the account's host: the code exchange, the token grant answer and
//! the deauthorize call, each sent once through the client's HTTP stack (no rate-limit budget).

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::clio::exchange::describe;
use crate::clio::{ClioClient, ClioError};

/// A token pair as Clio issued it. Its `Debug` never shows a token.
#[derive(Clone)]
pub struct TokenGrant {
    pub access_token: SecretString,
    /// `None` when the answer carried none (the old refresh token stays valid then).
    pub refresh_token: Option<SecretString>,
    /// Seconds the access token lives, as Clio said (never assumed).
    pub expires_in: Option<u64>,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("access_token", &"[set]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[set]"),
            )
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Where token pairs are kept across processes (the sign-in store). Called off the async
/// threads; errors are plain sentences that never carry a token.
pub trait TokenPersistence: Send + Sync {
    /// The pair stored now, if any: another process may have refreshed it since this one read it.
    fn load(&self) -> Result<Option<TokenGrant>, String>;
    /// Keeps `grant` durably (written and fsynced) before it returns.
    fn save(&self, grant: &TokenGrant) -> Result<(), String>;
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// `/oauth/<name>` on the origin of the API base (`authorize`, `token`, `deauthorize`).
pub fn oauth_url(base: &Url, name: &str) -> Result<Url, ClioError> {
    base.join(&format!("/oauth/{name}"))
        .map_err(|e| ClioError::Refused {
            message: format!("no OAuth address for {base}: {e}"),
        })
}

/// Posts `form` to the token endpoint `url` once and reads the grant; `what` names the grant
/// in messages ("token refresh", "sign-in").
pub(crate) async fn post_token(
    http: &reqwest::Client,
    url: &Url,
    form: &[(&str, &str)],
    what: &str,
) -> Result<TokenGrant, ClioError> {
    let network = |e: reqwest::Error| ClioError::Network {
        message: format!("{what}: {}", describe(&e)),
        attempts: 1,
    };
    let answer = http
        .post(url.clone())
        .form(form)
        .send()
        .await
        .map_err(network)?;
    let status = answer.status().as_u16();
    let body = answer.bytes().await.map_err(network)?;
    if status != 200 {
        let (kind, message) = crate::clio::error::parse_error_body(&body);
        let kind = kind.map(|k| format!("{k}: ")).unwrap_or_default();
        return Err(ClioError::Unauthorized {
            message: format!("{what} failed: {kind}{message}"),
        });
    }
    let parsed: TokenAnswer =
        serde_json::from_slice(&body).map_err(|_| ClioError::InvalidResponse {
            message: format!("the {what} answer is not a token grant"),
        })?;
    Ok(TokenGrant {
        access_token: SecretString::from(parsed.access_token),
        refresh_token: parsed.refresh_token.map(SecretString::from),
        expires_in: parsed.expires_in,
    })
}

impl ClioClient {
    /// Trades a one-time authorization code for a token pair. The pair is not used by this
    /// client until [`ClioClient::use_tokens`]: store it first.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        client_id: &str,
        client_secret: &SecretString,
    ) -> Result<TokenGrant, ClioError> {
        let url = oauth_url(self.base_url(), "token")?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", client_id),
            ("client_secret", client_secret.expose_secret()),
        ];
        post_token(&self.inner().http, &url, &form, "sign-in").await
    }

    /// From now on, sends `grant`'s access token (and refreshes with its refresh token).
    pub fn use_tokens(&self, grant: &TokenGrant) {
        self.inner().tokens.replace(grant);
    }

    /// Revokes the access token in use (and with it the grant) at Clio. A refused token is
    /// refreshed once first, so an expired sign-in can still be revoked.
    pub async fn deauthorize(&self) -> Result<(), ClioError> {
        let url = oauth_url(self.base_url(), "deauthorize")?;
        let tokens = &self.inner().tokens;
        let mut refreshed = false;
        loop {
            let (generation, bearer) = tokens.bearer();
            let (Some(bearer), Some(token)) = (bearer, tokens.access_token()) else {
                return Err(ClioError::Refused {
                    message: "there is no access token to revoke".to_string(),
                });
            };
            let mut value = HeaderValue::from_str(&bearer).map_err(|_| ClioError::Refused {
                message: "the access token cannot be sent in a header".to_string(),
            })?;
            value.set_sensitive(true);
            let answer = self
                .inner()
                .http
                .post(url.clone())
                .header(reqwest::header::AUTHORIZATION, value)
                .form(&[("token", token.expose_secret())])
                .send()
                .await
                .map_err(|e| ClioError::Network {
                    message: format!("deauthorize: {}", describe(&e)),
                    attempts: 1,
                })?;
            let status = answer.status().as_u16();
            match status {
                200..=299 => return Ok(()),
                401 if !refreshed && tokens.can_refresh() => {
                    refreshed = true;
                    tokens.refresh(&self.inner().http, generation).await?;
                }
                _ => {
                    let body = answer.bytes().await.unwrap_or_default();
                    return Err(ClioError::from_response(status, &body));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_addresses_sit_on_the_api_origin() {
        let base = Url::parse("https://eu.app.clio.com/api/v4/").unwrap();
        assert_eq!(
            oauth_url(&base, "authorize").unwrap().as_str(),
            "https://eu.app.clio.com/oauth/authorize"
        );
        assert_eq!(
            oauth_url(&base, "deauthorize").unwrap().as_str(),
            "https://eu.app.clio.com/oauth/deauthorize"
        );
    }

    #[test]
    fn a_grant_never_shows_its_tokens() {
        let grant = TokenGrant {
            access_token: SecretString::from("acc-SECRET".to_string()),
            refresh_token: Some(SecretString::from("ref-SECRET".to_string())),
            expires_in: Some(60),
        };
        let shown = format!("{grant:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}

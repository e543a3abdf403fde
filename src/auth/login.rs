//! The authorization-code flow: a loopback callback, Clio's authorize address with a random
//! state, the one-time code exchanged, the pair stored before it is used, then who signed in.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use secrecy::SecretString;
use url::Url;

use crate::auth::callback::{Callback, Outcome};
use crate::auth::persist::{StorePersistence, expires_at};
use crate::auth::store::{CredentialStore, SignIn, SignedInUser};
use crate::auth::{AuthError, blocking};
use crate::clio::oauth::oauth_url;
use crate::clio::types::User;
use crate::clio::{ClioClient, RetryPolicy};
use crate::config::{ClioConfig, Credentials, Region, token_url_for};

/// How long the browser has to come back: Clio's sign-in page, then the redirect.
pub const LOGIN_TIME_LIMIT: Duration = Duration::from_secs(5 * 60);

/// What a sign-in needs: the account's address and the developer application's credentials.
pub struct LoginRequest {
    pub region: Region,
    /// The API base (the region's, or `CLIO_BASE_URL`); OAuth is on its origin.
    pub base_url: Url,
    pub client_id: String,
    pub client_secret: SecretString,
    /// The callback's port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub time_limit: Duration,
    pub rate_limit: NonZeroU32,
}

/// A sign-in waiting for the browser: open [`PendingLogin::authorize_url`], then
/// [`PendingLogin::finish`].
pub struct PendingLogin {
    request: LoginRequest,
    callback: Callback,
    redirect_uri: String,
    url: Url,
}

/// A finished sign-in: what was stored, where, and who Clio says signed in.
pub struct SignedIn {
    pub sign_in: SignIn,
    pub user: User,
    pub store: String,
}

impl PendingLogin {
    /// Listens on the loopback callback and builds Clio's authorize address with a fresh
    /// random `state` (32 bytes, hex).
    pub async fn start(request: LoginRequest) -> Result<PendingLogin, AuthError> {
        let state = hex::encode(rand::random::<[u8; 32]>());
        let callback = Callback::bind(request.port, state.clone()).await?;
        let redirect_uri = format!("http://127.0.0.1:{}/callback", callback.port);
        let mut url = oauth_url(&request.base_url, "authorize")?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &request.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("state", &state);
        Ok(PendingLogin {
            request,
            callback,
            redirect_uri,
            url,
        })
    }

    /// The address to open in a browser (it carries no secret).
    pub fn authorize_url(&self) -> &Url {
        &self.url
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the browser's answer, exchanges the code, stores the pair in `store` (before
    /// anything uses it), and asks Clio who signed in.
    pub async fn finish(
        self,
        store: CredentialStore,
        retry: RetryPolicy,
    ) -> Result<SignedIn, AuthError> {
        let request = self.request;
        let code = match self.callback.wait(request.time_limit).await? {
            Outcome::Code(code) => code,
            Outcome::Denied => return Err(AuthError::Denied),
            Outcome::WrongState => return Err(AuthError::WrongState),
            Outcome::Refused { error, description } => {
                return Err(AuthError::Refused { error, description });
            }
        };
        let store = Arc::new(store);
        let config = ClioConfig {
            region: request.region,
            base_url: request.base_url.clone(),
            token_url: token_url_for(&request.base_url)?,
            credentials: Credentials {
                access_token: None,
                refresh_token: None,
                client_id: Some(request.client_id.clone()),
                client_secret: Some(request.client_secret.clone()),
            },
            rate_limit: request.rate_limit,
        };
        let persistence = Arc::new(StorePersistence::new(store.clone()));
        let client = ClioClient::with_persistence(&config, retry, Some(persistence))?;
        let grant = client
            .exchange_code(
                &code,
                &self.redirect_uri,
                &request.client_id,
                &request.client_secret,
            )
            .await?;
        let sign_in = SignIn {
            region: request.region,
            base_url: request.base_url,
            client_id: request.client_id,
            client_secret: request.client_secret,
            access_token: grant.access_token.clone(),
            refresh_token: grant.refresh_token.clone(),
            expires_at: expires_at(&grant),
            signed_in_at: Utc::now(),
            user: None,
        };
        let saving = store.clone();
        blocking(move || saving.save(&sign_in)).await?;
        client.use_tokens(&grant);
        let user = client.who_am_i().await?;
        // Read back: a refresh during who_am_i would have stored a newer pair.
        let named = SignedInUser {
            id: user.id,
            name: user.name.clone(),
            email: user.email.clone(),
        };
        let saving = store.clone();
        let sign_in = blocking(move || {
            let Some(mut stored) = saving.load()? else {
                return Err(AuthError::NotSignedIn {
                    store: saving.describe(),
                });
            };
            stored.user = Some(named);
            saving.save(&stored)?;
            Ok(stored)
        })
        .await?;
        Ok(SignedIn {
            sign_in,
            user,
            store: store.describe(),
        })
    }
}

//! What `auth status` and `auth logout` need from a sign-in: who Clio says it is, and the
//! stored one revoked at Clio and then deleted.

use std::num::NonZeroU32;
use std::sync::Arc;

use crate::auth::persist::StorePersistence;
use crate::auth::resolve::config_for;
use crate::auth::store::{CredentialStore, StoreChoice};
use crate::auth::{AuthError, Resolved, blocking, resolve};
use crate::clio::types::User;
use crate::clio::{ClioClient, ClioError, RetryPolicy};
use crate::config::Config;

/// The credentials a process would use now, and whether Clio takes them.
pub struct Status {
    pub resolved: Resolved,
    /// Who Clio says the token belongs to, or why it would not say.
    pub who: Result<User, ClioError>,
}

/// The credentials `config` resolves to (environment first, then the store), checked with
/// `who_am_i` (a refreshed pair is stored first, as always).
pub async fn status(config: Config, retry: RetryPolicy) -> Result<Status, AuthError> {
    let resolved = blocking(move || resolve(&config, |n| std::env::var(n).ok())).await?;
    let client = ClioClient::with_persistence(&resolved.clio, retry, resolved.persistence.clone())?;
    let who = client.who_am_i().await;
    Ok(Status { resolved, who })
}

/// What `logout` did.
pub struct LoggedOut {
    /// Where the sign-in was kept.
    pub store: String,
    /// Whether Clio revoked it (an already refused token counts as revoked).
    pub revoked: Result<(), ClioError>,
    /// Whether anything was deleted.
    pub deleted: bool,
}

/// Revokes the sign-in stored for `home` at Clio, then deletes it, even when Clio could not
/// be reached (the report says so). `None` when nothing was stored.
pub async fn logout(
    choice: StoreChoice,
    home: std::path::PathBuf,
    rate_limit: NonZeroU32,
    retry: RetryPolicy,
) -> Result<Option<LoggedOut>, AuthError> {
    let store = Arc::new(blocking(move || CredentialStore::open(choice, &home)).await?);
    let reading = store.clone();
    let Some(sign_in) = blocking(move || reading.load()).await? else {
        return Ok(None);
    };
    let config = config_for(&sign_in, rate_limit)?;
    let persistence = Arc::new(StorePersistence::new(store.clone()));
    let client = ClioClient::with_persistence(&config, retry, Some(persistence))?;
    let revoked = match client.deauthorize().await {
        Err(ClioError::Unauthorized { .. }) => Ok(()),
        other => other,
    };
    let deleting = store.clone();
    let deleted = blocking(move || deleting.delete()).await?;
    Ok(Some(LoggedOut {
        store: store.describe(),
        revoked,
        deleted,
    }))
}

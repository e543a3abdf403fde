//! Which credentials a process uses: the environment's when `CLIO_ACCESS_TOKEN` is set (they
//! win, for CI and desktop configs), else the stored sign-in with its region and address.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;

use crate::auth::AuthError;
use crate::auth::persist::StorePersistence;
use crate::auth::store::{CredentialStore, SignIn, StoreChoice};
use crate::clio::TokenPersistence;
use crate::config::{
    ClioConfig, Config, ConfigError, Credentials, Region, parse_base_url, token_url_for,
};

/// Where the credentials in use come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `CLIO_ACCESS_TOKEN` and friends.
    Environment,
    /// A stored sign-in, described (never a secret).
    Stored(String),
}

/// The Clio configuration a process uses, and how refreshed tokens are kept.
pub struct Resolved {
    pub clio: ClioConfig,
    pub source: CredentialSource,
    /// The stored sign-in in use, if that is the source.
    pub sign_in: Option<SignIn>,
    /// Set for a stored sign-in: refreshed tokens go back there before they are used.
    pub persistence: Option<Arc<dyn TokenPersistence>>,
    /// The credentials file, when that is the store in use.
    pub file: Option<PathBuf>,
}

/// The credentials for `config` (read from the environment through `lookup`): the
/// environment's tokens when `CLIO_ACCESS_TOKEN` is set, else the sign-in stored for
/// `config.home`, with `CLIO_CLIENT_ID`/`CLIO_CLIENT_SECRET` still winning. A `CLIO_REGION`
/// or `CLIO_BASE_URL` naming another account than the stored one is refused. Blocks.
pub fn resolve(
    config: &Config,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Resolved, AuthError> {
    if config.clio.credentials.access_token.is_some() {
        return Ok(Resolved {
            clio: config.clio.clone(),
            source: CredentialSource::Environment,
            sign_in: None,
            persistence: None,
            file: None,
        });
    }
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let store = CredentialStore::open(StoreChoice::from_lookup(get)?, &config.home)?;
    let Some(sign_in) = store.load()? else {
        return Err(AuthError::NotSignedIn {
            store: store.describe(),
        });
    };
    if let Some(asked) = get("CLIO_BASE_URL") {
        if parse_base_url(&asked)? != sign_in.base_url {
            return Err(other_account(&sign_in, "CLIO_BASE_URL", asked));
        }
    } else if let Some(asked) = get("CLIO_REGION")
        && Region::parse(&asked)? != sign_in.region
    {
        return Err(other_account(&sign_in, "CLIO_REGION", asked));
    }
    let env = &config.clio.credentials;
    let mut clio = config_for(&sign_in, config.clio.rate_limit)?;
    if let Some(id) = &env.client_id {
        clio.credentials.client_id = Some(id.clone());
    }
    if let Some(secret) = &env.client_secret {
        clio.credentials.client_secret = Some(secret.clone());
    }
    let source = CredentialSource::Stored(store.describe());
    let file = store.file().map(PathBuf::from);
    let store = Arc::new(store);
    Ok(Resolved {
        clio,
        source,
        sign_in: Some(sign_in),
        persistence: Some(Arc::new(StorePersistence::new(store))),
        file,
    })
}

/// The client configuration of a stored sign-in: its address, tokens and app credentials.
pub fn config_for(sign_in: &SignIn, rate_limit: NonZeroU32) -> Result<ClioConfig, ConfigError> {
    Ok(ClioConfig {
        region: sign_in.region,
        base_url: sign_in.base_url.clone(),
        token_url: token_url_for(&sign_in.base_url)?,
        credentials: Credentials {
            access_token: Some(sign_in.access_token.clone()),
            refresh_token: sign_in.refresh_token.clone(),
            client_id: Some(sign_in.client_id.clone()),
            client_secret: Some(sign_in.client_secret.clone()),
        },
        rate_limit,
    })
}

fn other_account(sign_in: &SignIn, variable: &'static str, asked: String) -> AuthError {
    AuthError::OtherAccount {
        stored: format!("region {} ({})", sign_in.region.as_str(), sign_in.base_url),
        variable,
        asked,
    }
}

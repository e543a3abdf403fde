//! The sign-in store as the Clio client's token persistence: a refreshed pair is written to
//! the stored sign-in (never resurrecting one that was logged out) before the client uses it.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::auth::store::{CredentialStore, SignIn};
use crate::clio::{TokenGrant, TokenPersistence};

/// Persists refreshed tokens into the sign-in of one store.
pub struct StorePersistence {
    store: Arc<CredentialStore>,
}

impl StorePersistence {
    pub fn new(store: Arc<CredentialStore>) -> StorePersistence {
        StorePersistence { store }
    }
}

/// `grant`'s tokens and expiry put into `sign_in`, the rest kept.
pub fn with_grant(mut sign_in: SignIn, grant: &TokenGrant) -> SignIn {
    sign_in.access_token = grant.access_token.clone();
    if let Some(refresh) = &grant.refresh_token {
        sign_in.refresh_token = Some(refresh.clone());
    }
    sign_in.expires_at = expires_at(grant);
    sign_in
}

/// When `grant`'s access token expires, from its `expires_in`.
pub fn expires_at(grant: &TokenGrant) -> Option<DateTime<Utc>> {
    grant
        .expires_in
        .and_then(|s| i64::try_from(s).ok())
        .map(|s| Utc::now() + Duration::seconds(s))
}

impl TokenPersistence for StorePersistence {
    fn load(&self) -> Result<Option<TokenGrant>, String> {
        let stored = self.store.load().map_err(|e| e.to_string())?;
        Ok(stored.map(|s| TokenGrant {
            access_token: s.access_token,
            refresh_token: s.refresh_token,
            expires_in: s
                .expires_at
                .map(|at| (at - Utc::now()).num_seconds().max(0) as u64),
        }))
    }

    fn save(&self, grant: &TokenGrant) -> Result<(), String> {
        let Some(current) = self.store.load().map_err(|e| e.to_string())? else {
            return Err(format!(
                "there is no sign-in in {} any more (logged out?)",
                self.store.describe()
            ));
        };
        self.store
            .save(&with_grant(current, grant))
            .map_err(|e| e.to_string())
    }
}

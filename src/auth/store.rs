//! Where a sign-in is kept: the OS keyring when there is one, else `credentials.json` in the
//! home folder (mode 0600 in a 0700 folder, replaced atomically and fsynced).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::auth::AuthError;
use crate::auth::keyring::KeyringEntry;
use crate::config::{ConfigError, Region, parse_base_url};

/// The file a sign-in is kept in when there is no keyring.
pub const CREDENTIALS_FILE: &str = "credentials.json";
/// The variable that picks the store.
pub const STORE_ENV: &str = "CLIO_MCP_CREDENTIAL_STORE";

/// Which store to use: `auto` (the keyring when it answers, else the file), `keyring`, `file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreChoice {
    #[default]
    Auto,
    Keyring,
    File,
}

impl StoreChoice {
    /// Reads `CLIO_MCP_CREDENTIAL_STORE` through `lookup`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<StoreChoice, ConfigError> {
        let Some(value) = lookup(STORE_ENV).filter(|v| !v.trim().is_empty()) else {
            return Ok(StoreChoice::Auto);
        };
        match value.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(StoreChoice::Auto),
            "keyring" => Ok(StoreChoice::Keyring),
            "file" => Ok(StoreChoice::File),
            _ => Err(ConfigError::BadCredentialStore {
                value: crate::config::shown(&value),
            }),
        }
    }
}

/// Who signed in, as Clio named them at sign-in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignedInUser {
    pub id: u64,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// One stored sign-in: the account's address, the app's credentials and the token pair.
/// Its `Debug` never shows a secret.
#[derive(Clone)]
pub struct SignIn {
    pub region: Region,
    /// The API base the tokens belong to.
    pub base_url: Url,
    pub client_id: String,
    pub client_secret: SecretString,
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// When the access token expires (from `expires_in`), if Clio said.
    pub expires_at: Option<DateTime<Utc>>,
    pub signed_in_at: DateTime<Utc>,
    pub user: Option<SignedInUser>,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("region", &self.region)
            .field("base_url", &self.base_url.as_str())
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// The stored form; secrets are plain only here, for the moment of (de)serializing.
#[derive(Serialize, Deserialize)]
struct Record {
    version: u32,
    region: String,
    base_url: String,
    client_id: String,
    client_secret: String,
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    signed_in_at: DateTime<Utc>,
    user: Option<SignedInUser>,
}

impl SignIn {
    fn to_json(&self) -> Result<String, String> {
        let record = Record {
            version: 1,
            region: self.region.as_str().to_string(),
            base_url: self.base_url.to_string(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.expose_secret().to_string(),
            access_token: self.access_token.expose_secret().to_string(),
            refresh_token: self
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_string()),
            expires_at: self.expires_at,
            signed_in_at: self.signed_in_at,
            user: self.user.clone(),
        };
        serde_json::to_string_pretty(&record).map_err(|e| e.to_string())
    }

    fn from_json(text: &str) -> Result<SignIn, String> {
        // serde's message may quote a value: keep only where it failed.
        let r: Record = serde_json::from_str(text).map_err(|e| {
            format!(
                "not a sign-in record (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        Ok(SignIn {
            region: Region::parse(&r.region).map_err(|e| e.to_string())?,
            base_url: parse_base_url(&r.base_url).map_err(|e| e.to_string())?,
            client_id: r.client_id,
            client_secret: SecretString::from(r.client_secret),
            access_token: SecretString::from(r.access_token),
            refresh_token: r.refresh_token.map(SecretString::from),
            expires_at: r.expires_at,
            signed_in_at: r.signed_in_at,
            user: r.user,
        })
    }
}

/// Where sign-ins are kept for one home folder. Every call blocks (file or keyring I/O).
pub enum CredentialStore {
    Keyring(KeyringEntry),
    File(PathBuf),
}

impl CredentialStore {
    /// The store for `home`. `auto` keeps using a credentials file already there, else takes
    /// the keyring when it answers a harmless read, else the file.
    pub fn open(choice: StoreChoice, home: &Path) -> Result<CredentialStore, AuthError> {
        let file = home.join(CREDENTIALS_FILE);
        match choice {
            StoreChoice::File => Ok(CredentialStore::File(file)),
            StoreChoice::Keyring => KeyringEntry::probe(home)
                .map(CredentialStore::Keyring)
                .map_err(|e| AuthError::KeyringUnavailable { reason: e.0 }),
            StoreChoice::Auto if file.exists() => Ok(CredentialStore::File(file)),
            StoreChoice::Auto => match KeyringEntry::probe(home) {
                Ok(entry) => Ok(CredentialStore::Keyring(entry)),
                Err(why) => {
                    tracing::info!(reason = %why.0, "no OS keyring; the sign-in goes to the credentials file");
                    Ok(CredentialStore::File(file))
                }
            },
        }
    }

    /// Where this is, for people: never a secret.
    pub fn describe(&self) -> String {
        match self {
            CredentialStore::Keyring(entry) => format!(
                "the OS keyring (service \"{}\", account \"{}\")",
                crate::auth::keyring::SERVICE,
                entry.account()
            ),
            CredentialStore::File(path) => format!("the file {}", path.display()),
        }
    }

    /// The credentials file, when that is the store.
    pub fn file(&self) -> Option<&Path> {
        match self {
            CredentialStore::File(path) => Some(path),
            CredentialStore::Keyring(_) => None,
        }
    }

    pub fn load(&self) -> Result<Option<SignIn>, AuthError> {
        let text = match self {
            CredentialStore::Keyring(entry) => entry.read().map_err(|e| self.failed("read", e))?,
            CredentialStore::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => Some(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(self.failed("read", e.to_string())),
            },
        };
        let Some(text) = text else {
            return Ok(None);
        };
        SignIn::from_json(&text)
            .map(Some)
            .map_err(|reason| AuthError::Damaged {
                store: self.describe(),
                reason,
            })
    }

    /// Replaces the stored sign-in with `sign_in`, durably: the file is written beside, fsynced,
    /// renamed over the old one, and the folder fsynced.
    pub fn save(&self, sign_in: &SignIn) -> Result<(), AuthError> {
        let text = sign_in.to_json().map_err(|e| self.failed("write", e))?;
        match self {
            CredentialStore::Keyring(entry) => {
                entry.write(&text).map_err(|e| self.failed("write", e))
            }
            CredentialStore::File(path) => {
                // The folder owner-only first (0700), even when it was made before.
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                    && let Ok(Some(was)) = crate::files::private_home(dir)
                {
                    tracing::warn!(
                        home = %dir.display(),
                        "the clio-mcp home was mode {was:o}: made it owner-only (0700)"
                    );
                }
                crate::files::write_atomic(path, |w| w.write_all(text.as_bytes()))
                    .and_then(|()| crate::files::sync_dir(path))
                    .map_err(|e| self.failed("write", e.to_string()))
            }
        }
    }

    /// Deletes the stored sign-in; `false` when there was none.
    pub fn delete(&self) -> Result<bool, AuthError> {
        match self {
            CredentialStore::Keyring(entry) => entry.delete().map_err(|e| self.failed("delete", e)),
            CredentialStore::File(path) => match std::fs::remove_file(path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(self.failed("delete", e.to_string())),
            },
        }
    }

    fn failed(&self, action: &'static str, reason: String) -> AuthError {
        AuthError::Store {
            action,
            store: self.describe(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in() -> SignIn {
        SignIn {
            region: Region::Ca,
            base_url: Url::parse("https://ca.app.clio.com/api/v4/").unwrap(),
            client_id: "app-key".to_string(),
            client_secret: SecretString::from("cs-SECRET".to_string()),
            access_token: SecretString::from("acc-SECRET".to_string()),
            refresh_token: Some(SecretString::from("ref-SECRET".to_string())),
            expires_at: Some(Utc::now()),
            signed_in_at: Utc::now(),
            user: None,
        }
    }

    #[test]
    fn the_file_store_round_trips_owner_only_and_deletes() {
        let home = tempfile::tempdir().unwrap();
        let home = home.path().join("home");
        let store = CredentialStore::open(StoreChoice::File, &home).unwrap();
        assert!(store.load().unwrap().is_none());
        store.save(&sign_in()).unwrap();
        let back = store.load().unwrap().unwrap();
        assert_eq!(back.region, Region::Ca);
        assert_eq!(back.refresh_token.unwrap().expose_secret(), "ref-SECRET");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&home.join(CREDENTIALS_FILE)), 0o600);
            assert_eq!(mode(&home), 0o700);
        }
        assert!(store.delete().unwrap());
        assert!(!store.delete().unwrap());
        assert!(store.load().unwrap().is_none());
    }

    #[test]
    fn a_damaged_file_says_to_sign_in_again_without_quoting_it() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join(CREDENTIALS_FILE);
        std::fs::write(&path, r#"{"access_token": "acc-SECRET", "#).unwrap();
        let store = CredentialStore::open(StoreChoice::Auto, home.path()).unwrap();
        assert!(store.file().is_some(), "an existing file is kept in use");
        let err = store.load().unwrap_err().to_string();
        assert!(err.contains("auth login"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn the_store_choice_is_read_and_checked() {
        let set = |v: &'static str| move |_: &str| Some(v.to_string());
        assert_eq!(StoreChoice::from_lookup(|_| None), Ok(StoreChoice::Auto));
        assert_eq!(
            StoreChoice::from_lookup(set(" File ")),
            Ok(StoreChoice::File)
        );
        assert_eq!(
            StoreChoice::from_lookup(set("keyring")),
            Ok(StoreChoice::Keyring)
        );
        let err = StoreChoice::from_lookup(set("vault")).unwrap_err();
        assert!(err.to_string().contains("auto"), "{err}");
    }

    #[test]
    fn a_sign_in_never_shows_its_secrets() {
        let shown = format!("{:?}", sign_in());
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}

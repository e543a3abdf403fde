//! The OS keyring (Keychain, Credential Manager, Secret Service) as a place for one sign-in,
//! probed with a harmless read so a machine without one falls back to the file cleanly.

use std::path::Path;

/// The keyring service every clio-mcp sign-in is filed under.
pub const SERVICE: &str = "clio-mcp";

/// One keyring entry: the sign-in of one clio-mcp home.
pub struct KeyringEntry {
    entry: keyring::Entry,
    account: String,
}

/// Why the keyring cannot be used here, in words (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

/// What a keyring answer means for the choice of store.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Probe {
    /// The keyring answered (with or without an entry): use it.
    Works,
    /// No backend, a platform failure, or no access: use the file.
    Unusable(String),
}

/// Reads a probe's outcome: only a keyring that answered counts as one.
pub(crate) fn judge(outcome: &Result<String, keyring::Error>) -> Probe {
    match outcome {
        Ok(_) | Err(keyring::Error::NoEntry) => Probe::Works,
        Err(e) => Probe::Unusable(reason(e)),
    }
}

/// Why the keyring failed, in words.
fn reason(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoDefaultStore => "no keyring service is running".to_string(),
        keyring::Error::PlatformFailure(e) => format!("it failed: {e}"),
        keyring::Error::NoStorageAccess(e) => format!("it is locked: {e}"),
        other => other.to_string(),
    }
}

impl KeyringEntry {
    /// The entry for `home`, when the keyring answers a harmless read.
    pub fn probe(home: &Path) -> Result<KeyringEntry, Unavailable> {
        let account = account_for(home);
        let entry = keyring::Entry::new(SERVICE, &account).map_err(|e| Unavailable(reason(&e)))?;
        match judge(&entry.get_password()) {
            Probe::Works => Ok(KeyringEntry { entry, account }),
            Probe::Unusable(why) => Err(Unavailable(why)),
        }
    }

    /// The account name the entry is filed under (the home folder it belongs to).
    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn read(&self) -> Result<Option<String>, String> {
        match self.entry.get_password() {
            Ok(text) => Ok(Some(text)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn write(&self, text: &str) -> Result<(), String> {
        self.entry.set_password(text).map_err(|e| e.to_string())
    }

    /// Deletes the entry; `false` when there was none.
    pub fn delete(&self) -> Result<bool, String> {
        match self.entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// One entry per home folder, so a sandbox home and a real one never share a sign-in.
fn account_for(home: &Path) -> String {
    let full = std::fs::canonicalize(home).unwrap_or_else(|_| home.to_path_buf());
    format!("sign-in {}", full.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_keyring_that_answers_is_used() {
        assert_eq!(judge(&Ok("{}".to_string())), Probe::Works);
        assert_eq!(judge(&Err(keyring::Error::NoEntry)), Probe::Works);
        for unusable in [
            keyring::Error::NoDefaultStore,
            keyring::Error::PlatformFailure("no dbus".into()),
            keyring::Error::NoStorageAccess("locked".into()),
            keyring::Error::Invalid("platform".into(), "unsupported".into()),
        ] {
            assert!(
                matches!(judge(&Err(unusable)), Probe::Unusable(_)),
                "should fall back"
            );
        }
    }

    #[test]
    fn each_home_gets_its_own_entry() {
        let a = account_for(Path::new("/tmp/clio-a"));
        let b = account_for(Path::new("/tmp/clio-b"));
        assert_ne!(a, b);
        assert!(a.starts_with("sign-in "));
    }
}

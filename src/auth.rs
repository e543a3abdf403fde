//! Signing in to Clio: the authorization-code flow with a loopback callback, where the tokens
//! are kept (the OS keyring or an owner-only file), and which credentials a process uses.

mod callback;
pub mod keyring;
pub mod login;
mod persist;
pub mod resolve;
pub mod status;
pub mod store;

pub use login::{LoginRequest, PendingLogin, SignedIn};
pub use resolve::{CredentialSource, Resolved, resolve};
pub use status::{LoggedOut, Status, logout, status};
pub use store::{CredentialStore, SignIn, StoreChoice};

use crate::clio::ClioError;
use crate::config::ConfigError;

/// Why signing in, or using a sign-in, did not work, with what to do about it. Never carries a
/// token or a secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "not signed in to Clio (nothing stored in {store}): run `clio-mcp auth login`, or set \
         CLIO_ACCESS_TOKEN (or run with --sandbox to try clio-mcp without a Clio account)"
    )]
    NotSignedIn { store: String },
    #[error(
        "the stored sign-in is for {stored}, but {variable} asks for {asked}: run `clio-mcp auth \
         login` for that account, or unset {variable}"
    )]
    OtherAccount {
        stored: String,
        variable: &'static str,
        asked: String,
    },
    #[error(
        "CLIO_MCP_CREDENTIAL_STORE=keyring, but the OS keyring cannot be used here ({reason}): \
         use file or auto"
    )]
    KeyringUnavailable { reason: String },
    #[error("could not {action} the sign-in in {store}: {reason}")]
    Store {
        action: &'static str,
        store: String,
        reason: String,
    },
    #[error(
        "the sign-in stored in {store} cannot be read ({reason}): run `clio-mcp auth login` again"
    )]
    Damaged { store: String, reason: String },
    #[error(
        "no Clio client id: set CLIO_CLIENT_ID or pass --client-id (the App Key of your Clio \
         developer application)"
    )]
    NoClientId,
    #[error(
        "no Clio client secret: set CLIO_CLIENT_SECRET, or type it when asked (the App Secret of \
         your Clio developer application; it is never taken from the command line)"
    )]
    NoClientSecret,
    #[error(
        "could not listen on 127.0.0.1:{port} for Clio's answer ({reason}): pass another --port, \
         or leave it out to use a free one"
    )]
    Listen { port: u16, reason: String },
    #[error(
        "the sign-in was denied in Clio (access_denied): nothing was stored. Run `clio-mcp auth \
         login` again and allow clio-mcp's access"
    )]
    Denied,
    #[error(
        "Clio's answer carried a state this sign-in did not send, so it may not come from your \
         sign-in: nothing was stored. Run `clio-mcp auth login` again"
    )]
    WrongState,
    #[error("Clio's sign-in page answered {error}: {description}. Nothing was stored")]
    Refused { error: String, description: String },
    #[error(
        "no answer from Clio's sign-in page within {limit}: nothing was stored. Run `clio-mcp \
         auth login` again and finish the sign-in in the browser"
    )]
    TimedOut { limit: String },
    #[error(transparent)]
    Clio(#[from] ClioError),
}

/// Runs blocking store I/O (file or keyring) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| AuthError::Store {
            action: "reach",
            store: "the credential store".to_string(),
            reason: "its worker stopped unexpectedly".to_string(),
        })?
}

//! Clio webhook subscriptions that never lapse (ensure, list, delete, renew), and the receiver
//! that answers Clio's handshake, checks signatures and marks changed matters stale.
//!
//! The shared secret of each subscription is kept in the state database
//! (`<CLIO_MCP_HOME>/state.sqlite`, mode 0600, as are its `-wal` and `-shm` files), table
//! `webhook_subscriptions`; every verified delivery goes to `webhook_deliveries` and to the
//! audit log (action `webhook-delivery`).

mod manage;
pub mod receiver;
pub mod rules;
pub mod signature;
pub mod store;

use std::path::Path;
use std::sync::Arc;

pub use manage::{Ensured, HookView, Renewal};
pub use receiver::{Received, Receiver};
pub use store::{Delivery, WebhookStore};

use crate::audit::{AuditError, AuditLog, AuditOptions, audit_dir};
use crate::clio::{ClioClient, ClioError};
use crate::files::state_db;

/// Why a webhook command or delivery failed, with what to do.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Bad input: the message names the flag and the fix.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Clio(#[from] ClioError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(
        "webhook store {0}; check the folder is writable and not on a network share, or set \
         CLIO_MCP_HOME elsewhere"
    )]
    Store(String),
    #[error(
        "could not renew webhook subscription(s) {0} (each says why above); the others were \
         renewed: fix the cause and run `clio-mcp webhooks renew` again"
    )]
    RenewFailed(String),
    #[error("there is no webhook subscription {0}: `clio-mcp webhooks list` shows them")]
    NoSuchHook(u64),
}

impl From<rusqlite::Error> for WebhookError {
    fn from(e: rusqlite::Error) -> Self {
        WebhookError::Store(e.to_string())
    }
}

/// The webhook service of one process: the Clio client, the state tables and the audit log.
#[derive(Clone)]
pub struct Webhooks {
    client: ClioClient,
    store: WebhookStore,
    audit: Arc<AuditLog>,
    /// Accept plain http loopback URLs (the sandbox delivers only there).
    loopback_http: bool,
}

impl Webhooks {
    pub fn new(client: ClioClient, store: WebhookStore, audit: Arc<AuditLog>) -> Webhooks {
        Webhooks {
            client,
            store,
            audit,
            loopback_http: false,
        }
    }

    /// Accepts `http://127.0.0.1:...` URLs, for a sandbox account.
    pub fn loopback_http(mut self, allow: bool) -> Webhooks {
        self.loopback_http = allow;
        self
    }

    pub fn store(&self) -> &WebhookStore {
        &self.store
    }
}

/// The audit log of `home` as the receiver writes it: entries are Clio's deliveries, signed
/// by `who` (the receiver knows no Clio user of its own).
pub fn receiver_audit(home: &Path, who: &str) -> Result<Arc<AuditLog>, WebhookError> {
    let session = uuid::Uuid::new_v4().to_string();
    let options = AuditOptions::new(who, session).head_db(state_db(home));
    Ok(Arc::new(AuditLog::open(&audit_dir(home), options)?))
}

/// The receiver of the account whose state is in `home`: its tables and audit log.
pub fn open_receiver(home: &Path) -> Result<Receiver, WebhookError> {
    let store = WebhookStore::open(&state_db(home))?;
    Ok(Receiver::new(
        store,
        receiver_audit(home, "Clio (webhook)")?,
    ))
}

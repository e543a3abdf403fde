//! The embedded fake Clio Manage API: seed data, fault injection, per-token rate limiting,
//! and an account kept in a state folder across processes when asked. It serves on loopback
//! only, in-process for tests and the demo or as `clio-mcp sandbox`.

// Handlers return early with a ready `Response` (axum's idiom); its size does not matter here.
#![allow(clippy::result_large_err)]

pub mod account;
pub mod delta;
pub mod document_list;
pub mod documents;
pub mod fields;
pub mod gate;
pub mod hook_send;
pub mod http;
mod inspect;
pub mod journal;
pub mod matter_patch;
pub mod matters;
pub mod oauth;
pub mod observe;
pub mod parts;
mod routes;
pub mod seed;
pub mod state;
pub mod storage;
pub mod store;
pub mod validate;
pub mod values;
pub mod webhooks;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use secrecy::SecretString;
use tokio::sync::oneshot;

use crate::config::{ClioConfig, ConfigError, Credentials, Region, parse_base_url, token_url_for};
pub use observe::{NamedValue, WriteRecord};
pub use state::{Faults, SandboxStats};
use state::{SandboxState, Tokens};

/// How to build and run a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub matters: u32,
    pub seed: u64,
    /// Requests per window per token.
    pub rate_limit: u32,
    /// Clio's window is 60 seconds; tests shorten it.
    pub window_secs: u64,
    pub faults: Faults,
    /// Answer refresh grants without a new refresh token.
    pub omit_refresh_token: bool,
    /// `/oauth/authorize` denies (`error=access_denied`) instead of approving.
    pub deny_authorization: bool,
    /// Keep the account in this folder, across processes: the seed plus a journal of every
    /// change, fsynced before it is answered. `None` keeps it in memory only.
    pub state_dir: Option<PathBuf>,
    /// Keep uploaded documents' bytes; false counts them only (a benchmark of the client's
    /// memory must not measure the fake storage's).
    pub keep_upload_bytes: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            matters: 2_000,
            seed: 1,
            rate_limit: 50,
            window_secs: 60,
            faults: Faults::default(),
            omit_refresh_token: false,
            deny_authorization: false,
            state_dir: None,
            keep_upload_bytes: true,
        }
    }
}

/// A running sandbox; dropping it stops the server.
pub struct Sandbox {
    /// `http://127.0.0.1:PORT/api/v4`
    pub base_url: String,
    pub access_token: String,
    pub refresh_token: String,
    pub client_id: String,
    pub client_secret: String,
    state: Arc<SandboxState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sandbox {
    /// Starts on a random loopback port.
    pub async fn start(options: SandboxOptions) -> std::io::Result<Sandbox> {
        Sandbox::start_on(options, 0).await
    }

    /// Starts on `127.0.0.1:port` (0 picks a free port). Never binds beyond loopback. With a
    /// `state_dir`, the account there is opened (or made) and its journal replayed; one made
    /// from another `matters` and `seed` is refused.
    pub async fn start_on(options: SandboxOptions, port: u16) -> std::io::Result<Sandbox> {
        let mut store = seed::seed_store(options.matters, options.seed);
        let journal = match &options.state_dir {
            Some(dir) => Some(journal::Journal::open(
                dir,
                options.matters,
                options.seed,
                &mut store,
            )?),
            None => None,
        };
        let mut rng = seed::Rng::new(options.seed.wrapping_add(0xC110));
        let access_token = format!("sbx-access-{:016x}", rng.next_u64());
        let refresh_token = format!("sbx-refresh-{:016x}", rng.next_u64());
        let client_secret = format!("sbx-secret-{:016x}", rng.next_u64());
        let client_id = "sandbox-client".to_string();
        let state = Arc::new(SandboxState {
            store: Mutex::new(store),
            tokens: Mutex::new(Tokens {
                access: HashSet::from([access_token.clone()]),
                refresh: HashSet::from([refresh_token.clone()]),
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                issued: 0,
                omit_refresh_token: options.omit_refresh_token,
                deny_authorization: options.deny_authorization,
                codes: HashMap::new(),
                grants: HashMap::from([(access_token.clone(), 0), (refresh_token.clone(), 0)]),
                next_grant: 1,
            }),
            windows: Mutex::new(HashMap::new()),
            bursts: Mutex::new(HashMap::new()),
            faults: Mutex::new(options.faults.clone()),
            stats: Mutex::new(SandboxStats::default()),
            journal: Mutex::new(journal),
            writes: Mutex::new(observe::WriteLog::default()),
            waits: Mutex::new(observe::Waits::default()),
            rng: Mutex::new(rng),
            rate_limit: options.rate_limit.max(1),
            window_secs: options.window_secs.max(1),
            origin: OnceLock::new(),
            hook_clock: Mutex::new(chrono::Duration::zero()),
            parts: Mutex::new(HashMap::new()),
            expired: Mutex::new(HashSet::new()),
            keep_upload_bytes: options.keep_upload_bytes,
        });
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let addr = listener.local_addr()?;
        let origin = format!("http://{addr}");
        let _ = state.origin.set(origin.clone());
        let app = routes::router(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the sandbox server stopped");
            }
        });
        Ok(Sandbox {
            base_url: format!("{origin}/api/v4"),
            access_token,
            refresh_token,
            client_id,
            client_secret,
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// A client configuration pointing at this sandbox with all its credentials.
    pub fn clio_config(&self, rate_limit: NonZeroU32) -> Result<ClioConfig, ConfigError> {
        let base_url = parse_base_url(&self.base_url)?;
        let token_url = token_url_for(&base_url)?;
        Ok(ClioConfig {
            region: Region::Us,
            base_url,
            token_url,
            credentials: Credentials {
                access_token: Some(SecretString::from(self.access_token.clone())),
                refresh_token: Some(SecretString::from(self.refresh_token.clone())),
                client_id: Some(self.client_id.clone()),
                client_secret: Some(SecretString::from(self.client_secret.clone())),
            },
            rate_limit,
        })
    }

    /// Deletes the account persisted in `state_dir`, so the next start begins afresh from
    /// the seed; `true` when there was one. Stop every sandbox using it first.
    pub fn reset(state_dir: &Path) -> std::io::Result<bool> {
        journal::reset(state_dir)
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

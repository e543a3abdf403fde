//! The embedded fake Clio Manage API: seed data, fault injection, per-token rate limiting.
//! It serves on loopback only, in-process for tests and the demo or as `clio-mcp sandbox`.

// Handlers return early with a ready `Response` (axum's idiom); its size does not matter here.
#![allow(clippy::result_large_err)]

pub mod account;
pub mod documents;
pub mod fields;
pub mod http;
pub mod matters;
pub mod seed;
pub mod state;
pub mod store;
pub mod values;
pub mod webhooks;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use secrecy::SecretString;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::config::{ClioConfig, ConfigError, Credentials, Region, parse_base_url, token_url_for};
pub use state::{Faults, SandboxStats};
use state::{SandboxState, Tokens, lock};

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

    /// Starts on `127.0.0.1:port` (0 picks a free port). Never binds beyond loopback.
    pub async fn start_on(options: SandboxOptions, port: u16) -> std::io::Result<Sandbox> {
        let store = seed::seed_store(options.matters, options.seed);
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
            }),
            windows: Mutex::new(HashMap::new()),
            bursts: Mutex::new(HashMap::new()),
            faults: Mutex::new(options.faults.clone()),
            stats: Mutex::new(SandboxStats::default()),
            rng: Mutex::new(rng),
            rate_limit: options.rate_limit.max(1),
            window_secs: options.window_secs.max(1),
            origin: OnceLock::new(),
        });
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let addr = listener.local_addr()?;
        let origin = format!("http://{addr}");
        let _ = state.origin.set(origin.clone());
        let app = router(state.clone());
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

    pub fn stats(&self) -> SandboxStats {
        lock(&self.state.stats).clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.state.faults) = faults;
    }

    /// Makes every access token invalid, as when one expires.
    pub fn expire_access_tokens(&self) {
        lock(&self.state.tokens).access.clear();
    }

    /// The stored value of a field on a matter, read behind the API's back.
    pub fn value(&self, matter_id: u64, definition_id: u64) -> Option<Value> {
        lock(&self.state.store)
            .value_of(matter_id, definition_id)
            .map(|v| v.value.clone())
    }

    /// The value-instance id of a field on a matter, e.g. `text_line-17`.
    pub fn value_instance_id(&self, matter_id: u64, definition_id: u64) -> Option<String> {
        let store = lock(&self.state.store);
        let v = store.value_of(matter_id, definition_id)?;
        let def = store.defs.get(&definition_id)?;
        Some(format!("{}-{}", def.field_type.as_str(), v.number))
    }

    /// Value number `number` wherever it lives: (matter id, definition id, value).
    pub fn value_record(&self, number: u64) -> Option<(u64, u64, Value)> {
        let store = lock(&self.state.store);
        store
            .values
            .get(&number)
            .map(|v| (v.matter_id, v.def_id, v.value.clone()))
    }

    /// Changes a value behind the client's back (another user editing in Clio).
    pub fn edit_behind_the_back(&self, matter_id: u64, definition_id: u64, value: Value) -> bool {
        let mut store = lock(&self.state.store);
        let Some(number) = store.value_of(matter_id, definition_id).map(|v| v.number) else {
            return false;
        };
        if let Some(v) = store.values.get_mut(&number) {
            v.value = value;
            v.version += 1;
        }
        store.touch_matter(matter_id, chrono::Utc::now());
        true
    }

    pub fn forbidden_matters(&self) -> Vec<u64> {
        lock(&self.state.store).forbidden.iter().copied().collect()
    }

    pub fn matter_ids(&self) -> Vec<u64> {
        lock(&self.state.store).matters.keys().copied().collect()
    }

    /// The bytes stored for an uploaded document.
    pub fn document_bytes(&self, id: u64) -> Option<Vec<u8>> {
        lock(&self.state.store)
            .documents
            .get(&id)
            .and_then(|d| d.bytes.clone())
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

fn router(state: Arc<SandboxState>) -> Router {
    let api = Router::new()
        .route("/users/who_am_i", get(account::who_am_i))
        .route("/users/who_am_i.json", get(account::who_am_i))
        .route("/custom_fields", get(account::list_fields))
        .route("/custom_fields.json", get(account::list_fields))
        .route("/custom_fields/{id}", get(account::get_field))
        .route("/matters", get(matters::list))
        .route("/matters.json", get(matters::list))
        .route("/matters/{id}", get(matters::get_one).patch(matters::patch))
        .route("/documents", post(documents::create).get(documents::list))
        .route(
            "/documents.json",
            post(documents::create).get(documents::list),
        )
        .route(
            "/documents/{id}",
            get(documents::get_one).patch(documents::update),
        )
        .route("/webhooks", post(webhooks::create).get(webhooks::list))
        .route("/webhooks.json", post(webhooks::create).get(webhooks::list))
        .route(
            "/webhooks/{id}",
            get(webhooks::get_one)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .fallback(|| async {
            http::error(
                axum::http::StatusCode::NOT_FOUND,
                "NotFound",
                "no such endpoint",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::api_gate,
        ));
    Router::new()
        .nest("/api/v4", api)
        .route("/oauth/token", post(account::token))
        .route("/sandbox-storage/{uuid}", put(documents::put_bytes))
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(state)
}

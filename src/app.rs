//! The process: its one Clio client (real Clio from the environment, or an in-process
//! sandbox), its state folder, and the services built on them, shared by `serve`, the demo
//! and every command.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::audit::{AuditError, AuditLog, AuditOptions, audit_dir};
use crate::auth::{AuthError, resolve};
use crate::background::Runner;
use crate::clio::{ClioClient, ClioError, RetryPolicy};
use crate::config::{Config, ConfigError, approval_threshold};
use crate::documents::DocumentService;
use crate::inventory::{FIELD_CACHE_TTL, FieldCache};
use crate::jobs::{DEFAULT_APPROVAL_THRESHOLD, JobService, JobStore, JobStoreError};
use crate::plan::propose::Planner;
use crate::plan::{PlanStore, StoreError, state_db};
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::upload_dirs::{GuardError, UploadDirs};

/// Matters in the `--sandbox` account.
pub const SANDBOX_MATTERS: u32 = 2_000;
/// The `--sandbox` budget and the client's ceiling, per minute (fast, so trying it is quick).
pub const SANDBOX_RATE: u32 = 1_200;

/// Why the process could not start working: configuration, Clio, or its state folder.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Clio(#[from] ClioError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Jobs(#[from] JobStoreError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Uploads(#[from] GuardError),
    #[error("could not start the sandbox: {0}")]
    Sandbox(std::io::Error),
}

/// Where a command works: a Clio client, the state folder, and the sandbox it runs on, if any.
pub struct Target {
    pub client: ClioClient,
    pub home: PathBuf,
    pub sandbox: Option<Sandbox>,
}

/// The services of a process working on one Clio account, with state in one folder.
#[derive(Clone)]
pub struct Services {
    pub client: ClioClient,
    pub audit: Arc<AuditLog>,
    pub planner: Planner,
    pub jobs: JobService,
    pub documents: DocumentService,
}

impl Services {
    /// The same services, uploads reading only under the folders of `dirs` (plus the
    /// environment's); the state folder itself is never readable.
    pub fn with_upload_dirs(mut self, dirs: UploadDirs, home: &Path) -> Services {
        self.documents = self.documents.with_dirs(deny_state(dirs, home));
        self
    }
}

/// `dirs` refusing the state folder `home` (and, for a `--sandbox` home, the real one above).
fn deny_state(dirs: UploadDirs, home: &Path) -> UploadDirs {
    let dirs = dirs.deny(home);
    match home.parent() {
        Some(parent) if home.file_name().is_some_and(|n| n == "sandbox") => dirs.deny(parent),
        _ => dirs,
    }
}

/// A client on real Clio (the environment's tokens, else the stored sign-in, whose refreshed
/// tokens are stored again before use) or on an in-process sandbox whose state is
/// kept in `<home>/sandbox`, apart from the real account's audit log and plans; the sandbox
/// account itself persists in `<home>/sandbox/account`, so that one command's writes are
/// there for the next (`clio-mcp sandbox reset` starts it afresh).
pub async fn connect(sandbox: bool, home: Option<PathBuf>) -> Result<Target, StartError> {
    if sandbox {
        let home = match home {
            Some(h) => h,
            None => default_home()?,
        };
        let sandbox = Sandbox::start(SandboxOptions {
            matters: SANDBOX_MATTERS,
            rate_limit: SANDBOX_RATE,
            state_dir: Some(sandbox_account_dir(&home)),
            ..Default::default()
        })
        .await
        .map_err(StartError::Sandbox)?;
        let rate = NonZeroU32::new(SANDBOX_RATE).unwrap_or(NonZeroU32::MIN);
        let client = ClioClient::new(&sandbox.clio_config(rate)?, RetryPolicy::default())?;
        tracing::info!(base_url = %sandbox.base_url, "working on an in-process sandbox");
        return Ok(Target {
            client,
            home: home.join("sandbox"),
            sandbox: Some(sandbox),
        });
    }
    let mut config = Config::from_env()?;
    if let Some(home) = home {
        config.home = home;
    }
    let home = config.home.clone();
    let resolved =
        crate::auth::blocking(move || resolve(&config, |n| std::env::var(n).ok())).await?;
    let client =
        ClioClient::with_persistence(&resolved.clio, RetryPolicy::default(), resolved.persistence)?;
    Ok(Target {
        client,
        home,
        sandbox: None,
    })
}

/// The services of a process working on `client` with state in `home`: the audit log in
/// `<home>/audit` (every secret of the client scrubbed, every entry signed with the Clio user
/// the token belongs to, which also proves the token works) and the plan store in `home`.
pub async fn open_state(client: ClioClient, home: &Path) -> Result<Services, StartError> {
    let user = client.who_am_i().await?;
    let name = user.name.clone().unwrap_or_else(|| "unknown".to_string());
    let who = format!("{name} (user {})", user.id);
    let session = uuid::Uuid::new_v4().to_string();
    // The home owner-only, then the plan store: it creates the state database owner-only.
    private_home_or_warn(home);
    let store = PlanStore::open(&state_db(home))?;
    let mut options = AuditOptions::new(who.clone(), session).head_db(state_db(home));
    for secret in client.secrets() {
        options = options.secret(secret);
    }
    let audit = Arc::new(AuditLog::open(&audit_dir(home), options)?);
    let fields = FieldCache::new(client.clone(), FIELD_CACHE_TTL);
    let threshold = approval_threshold(|n| std::env::var(n).ok(), DEFAULT_APPROVAL_THRESHOLD)?;
    let jobs = JobService::new(
        &client,
        fields.clone(),
        store.clone(),
        JobStore::open(&state_db(home))?,
        audit.clone(),
        who.clone(),
        client.retry_policy().clone(),
        threshold,
    );
    let documents = DocumentService::new(
        client.clone(),
        audit.clone(),
        deny_state(UploadDirs::from_env(&[])?, home),
        &state_db(home),
    );
    if let Err(e) = crate::files::restrict_sqlite(&state_db(home)) {
        tracing::warn!(error = %e, "could not make the state database's files owner-only (0600)");
    }
    let planner = Planner::new(
        client.clone(),
        fields,
        store,
        audit.clone(),
        Runner::new(),
        home,
        who,
    );
    Ok(Services {
        client,
        audit,
        planner,
        jobs,
        documents,
    })
}

/// Makes `home` owner-only (0700) when others may enter it, saying so on stderr; a failure is
/// a warning, and the database then fails to open with its own reason.
pub fn private_home_or_warn(home: &Path) {
    match crate::files::private_home(home) {
        Ok(Some(was)) => tracing::warn!(
            home = %home.display(),
            "the clio-mcp home was mode {was:o}: made it owner-only (0700)"
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!(
            home = %home.display(), error = %e,
            "could not make the clio-mcp home owner-only (0700)"
        ),
    }
}

/// Where the `--sandbox` account of `home` persists: `<home>/sandbox/account`.
pub fn sandbox_account_dir(home: &Path) -> PathBuf {
    home.join("sandbox").join("account")
}

/// The default state folder: `CLIO_MCP_HOME`, else the platform data dir + `/clio-mcp`.
pub fn default_home() -> Result<PathBuf, ConfigError> {
    if let Some(h) = std::env::var_os("CLIO_MCP_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h));
    }
    dirs::data_dir()
        .map(|d| d.join("clio-mcp"))
        .ok_or(ConfigError::NoHome)
}

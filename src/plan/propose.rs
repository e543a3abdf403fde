//! Proposing: check the request, create the plan, start its scan in the background, and
//! answer what a plan looks like now (every store call off the async threads).

mod scan;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::audit::{AuditError, AuditEvent, AuditLog};
use crate::background::Runner;
use crate::background::Waited;
use crate::clio::{ClioClient, ClioError};
use crate::inventory::FieldCache;
use crate::privacy::Privacy;

use super::model::{PlanHeader, PlanItem, PlanSource, PlanStatus};
use super::request::{ProposeRequest, RequestError, check};
use super::store::{PlanStore, StoreError};
use super::view::{self, PageRequest, PlanView};
use super::{ItemClass, PlanCounts};

/// How long a proposal is waited for before the caller gets the plan id and a progress note.
pub const DEFAULT_SCAN_WAIT: Duration = Duration::from_secs(20);
/// Scans one process runs at once: each spends the one shared Clio budget.
pub const MAX_SCANS: usize = 2;

/// Why a proposal could not start or a plan could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    Clio(#[from] ClioError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(
        "{MAX_SCANS} scans are already running and share Clio's request budget; wait for them \
         (get_plan with wait_seconds, or `clio-mcp plan list`), then propose again"
    )]
    Busy,
    #[error("the plan store stopped unexpectedly: {0}")]
    Stopped(String),
}

impl PlanError {
    /// True when the caller can fix it (bad request, unknown plan, busy, Clio refused); false
    /// for faults of this machine (database, audit log).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            PlanError::Request(_)
                | PlanError::Clio(_)
                | PlanError::Busy
                | PlanError::Store(StoreError::NoSuchPlan(_))
        )
    }
}

/// The proposal service: one per process, shared by the tools and commands.
#[derive(Clone)]
pub struct Planner {
    client: ClioClient,
    fields: FieldCache,
    store: PlanStore,
    audit: Arc<AuditLog>,
    runner: Runner,
    previews: PathBuf,
    user: String,
}

impl Planner {
    /// `home` holds the preview files (`<home>/previews`); `user` names who proposes; the
    /// runner is the process's one background runner.
    pub fn new(
        client: ClioClient,
        fields: FieldCache,
        store: PlanStore,
        audit: Arc<AuditLog>,
        runner: Runner,
        home: &Path,
        user: impl Into<String>,
    ) -> Planner {
        Planner {
            client,
            fields,
            store,
            audit,
            runner,
            previews: home.join("previews"),
            user: user.into(),
        }
    }

    /// The field definitions cache this planner shares with the tools.
    pub fn fields(&self) -> &FieldCache {
        &self.fields
    }

    /// The reviewer file written when a scan completes.
    pub fn preview_path(&self, plan_id: &str) -> PathBuf {
        self.previews.join(format!("{plan_id}.html"))
    }

    /// Checks the request against Clio's current field definitions, records a `scanning` plan
    /// and starts the scan in the background. Returns the plan id at once.
    pub async fn start(&self, req: ProposeRequest, tool: &str) -> Result<String, PlanError> {
        if self.runner.running() >= MAX_SCANS {
            return Err(PlanError::Busy);
        }
        // Fresh, not cached: an option deleted a moment ago must not be proposed.
        let definitions = self.fields.refresh().await?;
        let checked = check(&req, &definitions)?;
        let id = format!("plan-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let header = PlanHeader {
            id: id.clone(),
            status: PlanStatus::Scanning,
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            created_by: format!("{} via {tool}", self.user),
            fields: checked.plan_fields(),
            source: match &req.rule {
                Some(rule) => PlanSource::Rule { rule: rule.clone() },
                None if !req.restore.is_empty() => PlanSource::Rollback {
                    jobs: req.rollback_of.clone(),
                    count: req.restore.len(),
                },
                None => PlanSource::Values {
                    count: req.values.len(),
                },
            },
            scope: if !req.restore.is_empty() {
                format!(
                    "rollback of {}: {} values on {} matters",
                    req.rollback_of.join(", "),
                    req.restore.len(),
                    checked.value_matters().len()
                )
            } else if req.values.is_empty() {
                req.scope.describe()
            } else {
                format!(
                    "{} matters named by the values",
                    checked.value_matters().len()
                )
            },
            counts: PlanCounts::default(),
            content_hash: None,
            error: None,
        };
        self.blocking(move |store| store.create(&header)).await?;
        let scan = scan::Scan::new(self.clone(), id.clone(), tool, req, checked);
        self.runner
            .spawn(id.clone(), move |cancel| scan.run(cancel));
        Ok(id)
    }

    /// Waits up to `timeout` for the plan's scan, then returns its header as it stands.
    pub async fn wait(&self, plan_id: &str, timeout: Duration) -> Result<PlanHeader, PlanError> {
        if self.runner.wait(plan_id, timeout).await == Waited::StillRunning {
            tracing::debug!(plan_id, "scan still running after the wait");
        }
        self.header(plan_id).await
    }

    /// The plan's header. A scan this process is running is `scanning` whatever its
    /// heartbeat says (one page can take minutes under a tight rate limit).
    pub async fn header(&self, plan_id: &str) -> Result<PlanHeader, PlanError> {
        let id = plan_id.to_string();
        let mut header = self.blocking(move |store| store.header(&id)).await?;
        if header.status == PlanStatus::Interrupted && self.runner.is_running(plan_id) {
            header.status = PlanStatus::Scanning;
            header.error = None;
        }
        Ok(header)
    }

    /// The plan as the assistant sees it: waits up to `wait` for a running scan, then renders
    /// one page of `page.class`, with values shown as `privacy` allows.
    pub async fn view(
        &self,
        plan_id: &str,
        page: PageRequest,
        privacy: Privacy,
        wait: Duration,
    ) -> Result<PlanView, PlanError> {
        let header = self.wait(plan_id, wait).await?;
        let preview = self.preview_path(plan_id);
        let preview = preview.exists().then(|| preview.display().to_string());
        let mut out = self
            .blocking(move |store| view::render(store, &header, page, privacy, preview))
            .await?;
        out.changed_since_proposal = self.changed_since(plan_id).await;
        if !out.changed_since_proposal.is_empty() {
            let ids: Vec<String> = out
                .changed_since_proposal
                .iter()
                .map(u64::to_string)
                .collect();
            out.next_step = format!(
                "Changed in Clio since this plan was proposed: matters {}. A job re-reads each \
                 before writing and keeps a value changed meanwhile as a conflict; propose again \
                 for a plan from today's values. {}",
                ids.join(", "),
                out.next_step
            );
        }
        Ok(out)
    }

    /// Matters the plan changes that a webhook delivery said changed since the proposal.
    async fn changed_since(&self, plan_id: &str) -> Vec<u64> {
        let id = plan_id.to_string();
        self.blocking(move |store| store.changed_since_proposal(&id))
            .await
            .unwrap_or_default()
    }

    /// Every item of a plan, in hash order.
    pub async fn items(&self, plan_id: &str) -> Result<Vec<PlanItem>, PlanError> {
        let id = plan_id.to_string();
        self.blocking(move |store| store.all_items(&id)).await
    }

    /// One page of change sets of `class` (for summaries printed by commands).
    pub async fn matter_page(
        &self,
        plan_id: &str,
        class: ItemClass,
        limit: usize,
    ) -> Result<Vec<Vec<PlanItem>>, PlanError> {
        let id = plan_id.to_string();
        self.blocking(move |store| store.matter_page(&id, &[class], None, limit))
            .await
    }

    /// Stops every scan of this process (they end as `failed: cancelled`).
    pub async fn shutdown(&self) {
        self.runner.shutdown(Duration::from_secs(5)).await;
    }

    /// Runs a store call on the blocking pool: SQLite may wait on another process's lock.
    async fn blocking<T, F>(&self, f: F) -> Result<T, PlanError>
    where
        T: Send + 'static,
        F: FnOnce(&PlanStore) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| PlanError::Stopped(e.to_string()))?
            .map_err(PlanError::from)
    }

    async fn audit(&self, event: AuditEvent) -> Result<(), AuditError> {
        let log = self.audit.clone();
        let dir = log.dir().to_path_buf();
        tokio::task::spawn_blocking(move || log.append(event))
            .await
            .map_err(|e| AuditError::Io {
                doing: "write the audit entry",
                path: dir,
                source: std::io::Error::other(e.to_string()),
            })?
            .map(|_| ())
    }
}

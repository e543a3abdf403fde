//! Proposing: check the request, create the plan, scan Clio page by page in the background,
//! classify every value, store the items, and record the reads and the finished plan.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::audit::{Action, AuditError, AuditEvent, AuditLog};
use crate::clio::matters::{MATTER_VALUE_FIELDS, MAX_PAGE, MatterQuery};
use crate::clio::types::Matter;
use crate::clio::{ApiRequest, ClioClient, ClioError};
use crate::inventory::FieldCache;
use crate::jobs::Runner;
use crate::jobs::runner::Waited;

use super::classify::{Proposal, classify, unreadable};
use super::export::{self, ExportFormat};
use super::model::{PlanHeader, PlanItem, PlanSource, PlanStatus};
use super::request::{Checked, ProposeRequest, RequestError, check};
use super::store::{PlanStore, StoreError};
use super::{PlanCounts, digest};

/// How long a proposal is waited for before the caller gets the plan id and a progress note.
pub const DEFAULT_SCAN_WAIT: Duration = Duration::from_secs(20);
/// Matter ids per request when values name their matters (keeps URLs short).
const IDS_PER_REQUEST: usize = 100;

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
}

impl PlanError {
    /// True when the caller can fix it (bad request, unknown plan, Clio refused); false for
    /// faults of this machine (database, audit log).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            PlanError::Request(_)
                | PlanError::Clio(_)
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
    /// `home` holds the preview files (`<home>/previews`); `user` names who proposes.
    pub fn new(
        client: ClioClient,
        fields: FieldCache,
        store: PlanStore,
        audit: Arc<AuditLog>,
        home: &Path,
        user: impl Into<String>,
    ) -> Planner {
        Planner {
            client,
            fields,
            store,
            audit,
            runner: Runner::new(),
            previews: home.join("previews"),
            user: user.into(),
        }
    }

    /// The field definitions cache this planner shares with the tools.
    pub fn fields(&self) -> &FieldCache {
        &self.fields
    }

    pub fn store(&self) -> &PlanStore {
        &self.store
    }

    /// The reviewer file written when a scan completes.
    pub fn preview_path(&self, plan_id: &str) -> PathBuf {
        self.previews.join(format!("{plan_id}.html"))
    }

    /// Checks the request against Clio's field definitions, records a `scanning` plan and
    /// starts the scan in the background. Returns the plan id at once.
    pub async fn start(&self, req: ProposeRequest, tool: &str) -> Result<String, PlanError> {
        let definitions = self.fields.matter_fields().await?;
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
                None => PlanSource::Values {
                    count: req.values.len(),
                },
            },
            scope: if req.values.is_empty() {
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
        self.store.create(&header)?;
        let scan = Scan {
            planner: self.clone(),
            plan_id: id.clone(),
            tool: tool.to_string(),
            req,
            checked,
        };
        self.runner.spawn(id.clone(), move |cancel| async move {
            scan.run(cancel).await;
        });
        Ok(id)
    }

    /// Waits up to `timeout` for the plan's scan, then returns its header as it stands.
    pub async fn wait(&self, plan_id: &str, timeout: Duration) -> Result<PlanHeader, PlanError> {
        if self.runner.wait(plan_id, timeout).await == Waited::StillRunning {
            tracing::debug!(plan_id, "scan still running after the wait");
        }
        Ok(self.store.header(plan_id)?)
    }

    /// Stops every scan of this process (they end as `failed: cancelled`).
    pub async fn shutdown(&self) {
        self.runner.shutdown(Duration::from_secs(5)).await;
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

/// One running scan.
struct Scan {
    planner: Planner,
    plan_id: String,
    tool: String,
    req: ProposeRequest,
    checked: Checked,
}

impl Scan {
    async fn run(self, cancel: CancellationToken) {
        let outcome = tokio::select! {
            r = self.read_all() => r,
            () = cancel.cancelled() => Err("cancelled before the scan ended; propose again".to_string()),
        };
        let store = &self.planner.store;
        let finished = match outcome {
            Ok(()) => self.complete().await,
            Err(e) => store
                .finish(&self.plan_id, Err(e.as_str()))
                .map(|_| ())
                .map_err(|s| s.to_string()),
        };
        if let Err(e) = finished {
            tracing::error!(plan_id = %self.plan_id, error = %e, "could not close the plan");
            let _ = store.finish(&self.plan_id, Err(e.as_str()));
        }
    }

    /// Reads every page in scope and stores its items; the error is the user's message.
    async fn read_all(&self) -> Result<(), String> {
        let field_ids: Vec<u64> = self.checked.fields.iter().map(|f| f.field.id).collect();
        let base = MatterQuery {
            fields: Some(MATTER_VALUE_FIELDS.to_string()),
            custom_field_ids: field_ids,
            limit: Some(MAX_PAGE),
            ..Default::default()
        };
        if self.req.values.is_empty() {
            let scope = &self.req.scope;
            let first = MatterQuery {
                query: scope.query.clone(),
                status: scope.status.clone(),
                ids: scope.ids.clone(),
                ..base
            }
            .request();
            let seen = self.read_pages(first).await?;
            let missing: Vec<u64> = scope
                .ids
                .iter()
                .copied()
                .filter(|i| !seen.contains(i))
                .collect();
            self.store_unreadable(&missing)?;
        } else {
            let wanted = self.checked.value_matters();
            let mut missing = Vec::new();
            for chunk in wanted.chunks(IDS_PER_REQUEST) {
                let first = MatterQuery {
                    ids: chunk.to_vec(),
                    ..base.clone()
                }
                .request();
                let seen = self.read_pages(first).await?;
                missing.extend(chunk.iter().copied().filter(|i| !seen.contains(i)));
            }
            self.store_unreadable(&missing)?;
        }
        Ok(())
    }

    /// Follows one list from `first` to its last page; returns the matter ids read.
    async fn read_pages(&self, first: ApiRequest) -> Result<Vec<u64>, String> {
        let client = &self.planner.client;
        let mut seen = Vec::new();
        let mut next = Some(first);
        while let Some(req) = next.take() {
            let (matters, link) = client
                .page::<Matter>(req)
                .await
                .map_err(|e| format!("reading matters failed: {e}"))?;
            let items = self.classify_page(&matters);
            self.planner
                .store
                .add_items(&self.plan_id, &items)
                .map_err(|e| e.to_string())?;
            let ids: Vec<u64> = matters.iter().map(|m| m.id).collect();
            if !ids.is_empty() {
                let names = self.checked.fields.iter().map(|f| f.field.name.clone());
                let event =
                    AuditEvent::read(self.tool.clone(), ids.clone(), names).plan(&self.plan_id);
                self.planner.audit(event).await.map_err(|e| e.to_string())?;
            }
            seen.extend(ids);
            if let Some(link) = link {
                next = Some(
                    client
                        .request_for_link(&link)
                        .map_err(|e| format!("Clio's next-page link was refused: {e}"))?,
                );
            }
        }
        Ok(seen)
    }

    fn classify_page(&self, matters: &[Matter]) -> Vec<PlanItem> {
        let mut items = Vec::new();
        for m in matters {
            for ctx in &self.checked.fields {
                match &self.req.rule {
                    Some(rule) => items.push(classify(m, ctx, Proposal::Rule(rule))),
                    None => match self.checked.values.get(&(m.id, ctx.field.id)) {
                        None => {}
                        Some(Ok(value)) => items.push(classify(m, ctx, Proposal::Value(value))),
                        Some(Err((value, reason))) => {
                            let mut item = classify(m, ctx, Proposal::Value(value));
                            item.class = super::ItemClass::Invalid;
                            item.reason = Some(reason.clone());
                            items.push(item);
                        }
                    },
                }
            }
        }
        items
    }

    fn store_unreadable(&self, missing: &[u64]) -> Result<(), String> {
        let why =
            "Clio did not return this matter: it does not exist, or this Clio user may not see it";
        let items: Vec<PlanItem> = missing
            .iter()
            .flat_map(|id| {
                self.checked
                    .fields
                    .iter()
                    .filter(|ctx| {
                        self.req.rule.is_some()
                            || self.checked.values.contains_key(&(*id, ctx.field.id))
                    })
                    .map(|ctx| unreadable(*id, ctx, why))
            })
            .collect();
        self.planner
            .store
            .add_items(&self.plan_id, &items)
            .map_err(|e| e.to_string())
    }

    /// Hashes the items, marks the plan complete, writes the reviewer file and records the
    /// plan in the audit log.
    async fn complete(&self) -> Result<(), String> {
        let store = &self.planner.store;
        let items = store.all_items(&self.plan_id).map_err(|e| e.to_string())?;
        let header = store.header(&self.plan_id).map_err(|e| e.to_string())?;
        let hash = digest::content_hash(&header, &items);
        let header = store
            .finish(&self.plan_id, Ok(&hash))
            .map_err(|e| e.to_string())?;
        let preview = self.planner.preview_path(&self.plan_id);
        if let Err(e) = export::write_file(&preview, ExportFormat::Html, &header, &items) {
            tracing::warn!(path = %preview.display(), error = %e, "could not write the plan preview");
        }
        let c = &header.counts;
        let detail = format!(
            "{} matters read: {} changes on {} matters, {} need a human, {} invalid, {} clean, \
             {} empty; fields {}; content hash {hash}",
            c.matters_scanned,
            c.change,
            c.matters_with_changes,
            c.needs_human,
            c.invalid,
            c.clean,
            c.empty,
            header
                .fields
                .iter()
                .map(|f| format!("{} ({})", f.name, f.id))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let event = AuditEvent::new(Action::PlanCreated, self.tool.clone())
            .plan(&self.plan_id)
            .outcome("complete")
            .detail(detail);
        self.planner.audit(event).await.map_err(|e| e.to_string())
    }
}

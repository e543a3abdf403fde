//! One running scan: read every page in scope, classify, store, beat the heart, then hash,
//! write the reviewer file, record the plan in the audit log, and only then mark it complete.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::audit::{Action, AuditEvent};
use crate::clio::ApiRequest;
use crate::clio::matters::{MAX_PAGE, MatterQuery, VALUE_READ_FIELDS};
use crate::clio::types::Matter;
use crate::export::ExportFormat;
use crate::plan::classify::{Proposal, classify, unreadable};
use crate::plan::digest::content_hash;
use crate::plan::export;
use crate::plan::model::{ItemClass, PlanItem, PlanStatus};
use crate::plan::request::{Checked, ProposeRequest};

use super::Planner;

/// Matter ids per list request (keeps URLs well under what servers accept).
const IDS_PER_REQUEST: usize = 100;
/// How often a live scan says so, well inside the store's staleness window.
const HEARTBEAT: Duration = Duration::from_secs(20);

const UNREADABLE: &str =
    "Clio did not return this matter: it does not exist, or this Clio user may not see it";

pub(super) struct Scan {
    planner: Planner,
    plan_id: String,
    tool: String,
    req: ProposeRequest,
    checked: Checked,
}

impl Scan {
    pub(super) fn new(
        planner: Planner,
        plan_id: String,
        tool: &str,
        req: ProposeRequest,
        checked: Checked,
    ) -> Scan {
        Scan {
            planner,
            plan_id,
            tool: tool.to_string(),
            req,
            checked,
        }
    }

    pub(super) async fn run(self, cancel: CancellationToken) {
        let heart = async {
            let mut beat = tokio::time::interval(HEARTBEAT);
            loop {
                beat.tick().await;
                let id = self.plan_id.clone();
                if let Err(e) = self.planner.blocking(move |s| s.beat(&id)).await {
                    tracing::warn!(plan_id = %self.plan_id, error = %e, "heartbeat not stored");
                }
            }
        };
        let outcome = tokio::select! {
            r = async { self.read_all().await?; self.complete().await } => r,
            () = heart => Ok(()),
            () = cancel.cancelled() => Err("cancelled before the scan ended; propose again".to_string()),
        };
        if let Err(error) = outcome {
            let id = self.plan_id.clone();
            if let Err(e) = self
                .planner
                .blocking(move |s| s.finish(&id, Err(error.as_str())))
                .await
            {
                tracing::error!(plan_id = %self.plan_id, error = %e, "could not close the plan");
            }
        }
    }

    /// Reads every page in scope and stores its items; the error is the user's message.
    async fn read_all(&self) -> Result<(), String> {
        let scope = &self.req.scope;
        // Values name their matters (and then the scope is empty: the request check sees to it).
        let ids = if self.req.values.is_empty() && self.req.restore.is_empty() {
            scope.ids.clone()
        } else {
            self.checked.value_matters()
        };
        let base = MatterQuery {
            fields: Some(VALUE_READ_FIELDS.to_string()),
            custom_field_ids: self.checked.fields.iter().map(|f| f.field.id).collect(),
            limit: Some(MAX_PAGE),
            query: scope.query.clone(),
            status: scope.status.clone(),
            ..Default::default()
        };
        if ids.is_empty() {
            self.read_pages(base.request()).await?;
            return Ok(());
        }
        let mut missing = Vec::new();
        for chunk in ids.chunks(IDS_PER_REQUEST) {
            let first = MatterQuery {
                ids: chunk.to_vec(),
                ..base.clone()
            }
            .request();
            let seen = self.read_pages(first).await?;
            missing.extend(chunk.iter().copied().filter(|i| !seen.contains(i)));
        }
        // With a query or status too, an id Clio left out may simply not match the filter.
        if scope.query.is_none() && scope.status.is_none() {
            self.store_unreadable(&missing).await?;
        }
        Ok(())
    }

    /// Follows one list from `first` to its last page; returns the matter ids read.
    async fn read_pages(&self, first: ApiRequest) -> Result<Vec<u64>, String> {
        let client = &self.planner.client;
        let mut seen = Vec::new();
        // Pinned, so the pages (and the stored order) never depend on a default.
        let mut next = Some(first.query("order", "id(asc)"));
        while let Some(req) = next.take() {
            let (matters, link) = client
                .page::<Matter>(req)
                .await
                .map_err(|e| format!("reading matters failed: {e}"))?;
            let items = self.classify_page(&matters);
            self.store(items).await?;
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
                if let Some(r) = self.checked.restore.get(&(m.id, ctx.field.id)) {
                    let restore = Proposal::Restore {
                        written: r.written.as_deref(),
                        original: r.original.as_deref(),
                    };
                    items.push(classify(m, ctx, restore));
                    continue;
                }
                if !self.checked.restore.is_empty() {
                    continue;
                }
                match &self.req.rule {
                    Some(rule) => items.push(classify(m, ctx, Proposal::Rule(rule))),
                    None => match self.checked.values.get(&(m.id, ctx.field.id)) {
                        None => {}
                        Some(Ok(value)) => items.push(classify(m, ctx, Proposal::Value(value))),
                        Some(Err((value, reason))) => {
                            let mut item = classify(m, ctx, Proposal::Value(value));
                            item.class = ItemClass::Invalid;
                            item.reason = Some(reason.clone());
                            items.push(item);
                        }
                    },
                }
            }
        }
        items
    }

    /// Items for matters Clio did not return, so a person sees them; a refused value keeps
    /// its own reason.
    async fn store_unreadable(&self, missing: &[u64]) -> Result<(), String> {
        let mut items = Vec::new();
        for id in missing {
            for ctx in &self.checked.fields {
                if self.req.rule.is_some()
                    || self.checked.restore.contains_key(&(*id, ctx.field.id))
                {
                    items.push(unreadable(*id, ctx, UNREADABLE));
                    continue;
                }
                match self.checked.values.get(&(*id, ctx.field.id)) {
                    None => {}
                    Some(Ok(_)) => items.push(unreadable(*id, ctx, UNREADABLE)),
                    Some(Err((value, reason))) => {
                        let mut item = unreadable(*id, ctx, reason);
                        item.class = ItemClass::Invalid;
                        item.new = Some(value.clone());
                        items.push(item);
                    }
                }
            }
        }
        self.store(items).await
    }

    async fn store(&self, items: Vec<PlanItem>) -> Result<(), String> {
        let id = self.plan_id.clone();
        self.planner
            .blocking(move |s| s.add_items(&id, &items))
            .await
            .map_err(|e| e.to_string())
    }

    /// Hashes the items, writes the reviewer file and the audit entry, and only then marks
    /// the plan complete: a complete plan always has both.
    async fn complete(&self) -> Result<(), String> {
        let planner = &self.planner;
        let items = planner
            .items(&self.plan_id)
            .await
            .map_err(|e| e.to_string())?;
        let mut header = planner
            .header(&self.plan_id)
            .await
            .map_err(|e| e.to_string())?;
        let hash = content_hash(&header, &items);
        header.status = PlanStatus::Complete;
        header.content_hash = Some(hash.clone());
        header.error = None;
        let detail = format!(
            "{}; fields {}; content hash {hash}",
            header.counts.summary(),
            header
                .fields
                .iter()
                .map(|f| format!("{} ({})", f.name, f.id))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let preview = planner.preview_path(&self.plan_id);
        let written = tokio::task::spawn_blocking(move || {
            export::write_file(&preview, ExportFormat::Html, &header, &items)
        })
        .await
        .map_err(|e| e.to_string())?;
        if let Err(e) = written {
            return Err(format!(
                "could not write the reviewer file: {e}; check that CLIO_MCP_HOME is writable"
            ));
        }
        let event = AuditEvent::new(Action::PlanCreated, self.tool.clone())
            .plan(&self.plan_id)
            .outcome("complete")
            .detail(detail);
        planner.audit(event).await.map_err(|e| e.to_string())?;
        let id = self.plan_id.clone();
        planner
            .blocking(move |s| s.finish(&id, Ok(hash.as_str())))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

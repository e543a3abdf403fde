//! Tool `job_status`: a job's status, counts, pace, ETA and a page of the values that did not
//! land; with `wait_seconds` it follows a running job (and sends progress notifications when
//! the client asked for them).

use std::time::Duration;

use rmcp::model::{CallToolResult, ProgressNotificationParam};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::handler::ClioMcpServer;
use crate::jobs::view::{DEFAULT_PROBLEMS, MAX_PROBLEMS};
use crate::jobs::{JobStatus, JobView};
use crate::tools::args::{self, Args, cursor};
use crate::tools::{internal, structured, user_error};

/// Longest wait a caller may ask for, under the ~60 s tool-call timeout of assistants.
pub const MAX_WAIT_SECONDS: u64 = 20;
/// How often a followed job is looked at.
const POLL: Duration = Duration::from_secs(1);

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JobStatusArgs {
    pub job_id: String,
    /// Wait up to this many seconds (max 20) while it runs.
    #[serde(default)]
    pub wait_seconds: Option<u64>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Problems per page, 1 to 100 (default 20).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[tool_router(router = job_status_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// A job's status, counts per outcome, requests, rate, ETA and a page of the values that
    /// did not land, with reasons.
    #[tool(
        name = "job_status",
        title = "Job status",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        input_schema = crate::tools::args::schema::<JobStatusArgs>(),
        output_schema = rmcp::handler::server::tool::schema_for_output::<JobView>()
    )]
    async fn job_status(
        &self,
        Args(args): Args<JobStatusArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let wait = args::in_range("wait_seconds", args.wait_seconds, 0, MAX_WAIT_SECONDS, 0)
            .map_err(|mut e| {
                e.message.push_str(
                    " (a tool call must answer well within a minute: call job_status again to \
                     keep following the job)",
                );
                e
            })?;
        let limit = args::limit(args.limit, DEFAULT_PROBLEMS, MAX_PROBLEMS)?;
        answer(
            self,
            args::id("job_id", &args.job_id, "job-0123456789ab")?,
            args.cursor.as_deref(),
            limit,
            Duration::from_secs(wait),
            &ctx,
        )
        .await
    }
}

/// Follows the job for up to `wait` (progress notifications to `ctx` when it asked), then
/// answers its view: shared with `apply_plan` and `cancel_job`.
pub(crate) async fn answer(
    server: &ClioMcpServer,
    job_id: &str,
    cursor: Option<&str>,
    limit: usize,
    wait: Duration,
    ctx: &RequestContext<RoleServer>,
) -> Result<CallToolResult, ErrorData> {
    let privacy = server.settings.privacy;
    let scope = format!("job_status:{job_id}");
    let cursor = cursor::open_opt(&scope, cursor)?;
    let cursor = cursor.as_deref();
    let token = ctx.meta.get_progress_token();
    let deadline = tokio::time::Instant::now() + wait;
    let view = loop {
        let view = match server.jobs.view(job_id, cursor, limit, privacy).await {
            Ok(v) => v,
            Err(e) if e.is_user_error() => return user_error(e.to_string()),
            Err(e) => return Err(internal("could not read the job", &e)),
        };
        if let Some(token) = &token {
            let note = ProgressNotificationParam::new(token.clone(), view.counts.done as f64)
                .with_total(view.counts.total as f64)
                .with_message(format!(
                    "{} ({})",
                    view.counts.summary(),
                    view.status.as_str()
                ));
            // Progress is best effort: a client that went away must not fail the answer.
            let _ = ctx.peer.notify_progress(note).await;
        }
        let now = tokio::time::Instant::now();
        if view.status != JobStatus::Running || now >= deadline {
            break view;
        }
        let step = POLL.min(deadline - now);
        server.jobs.wait(job_id, step).await;
        if !server.jobs.is_running_here(job_id) {
            tokio::time::sleep_until((now + step).min(deadline)).await;
        }
    };
    let mut view = view;
    view.next_cursor = view.next_cursor.map(|c| cursor::seal(&scope, &c));
    let text = summary(&view);
    structured(&view, text)
}

fn summary(v: &JobView) -> String {
    let mut text = format!(
        "Job {} ({}): {}.",
        v.job_id,
        v.status.as_str(),
        v.counts.summary()
    );
    if let Some(eta) = v.eta_seconds.filter(|_| v.status == JobStatus::Running) {
        text.push_str(&format!(
            " About {eta} s left at {} requests a minute.",
            v.rate_limit_per_minute
        ));
    }
    for p in &v.problems {
        text.push_str(&format!(
            "\n[{}] {}: {} ({})",
            p.matter_id,
            p.field,
            p.outcome.as_str(),
            p.reason
        ));
    }
    if v.next_cursor.is_some() {
        text.push_str("\nMore problems on the next page (next_cursor).");
    }
    text.push('\n');
    text.push_str(&v.next_step);
    text
}

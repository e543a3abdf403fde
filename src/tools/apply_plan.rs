//! Tool `apply_plan`: starts (or resumes) the job that writes a reviewed plan to Clio in the
//! background, and answers within 20 s with its progress.

use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::handler::ClioMcpServer;
use crate::jobs::view::DEFAULT_PROBLEMS;
use crate::jobs::{JobError, JobStatus, Origin};
use crate::tools::args::Args;
use crate::tools::confirm::person_approves;
use crate::tools::job_status::answer;
use crate::tools::{internal, user_error};

const TOOL: &str = "apply_plan";

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyPlanArgs {
    pub plan_id: String,
    /// The content hash the person reviewed (from get_plan).
    pub content_hash: String,
}

#[tool_router(router = apply_plan_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// Write a reviewed plan to Clio as a background job (or resume its job); answers within
    /// 20 s as job_status does. Over 25 change sets a person must approve its content hash.
    #[tool(
        name = "apply_plan",
        title = "Apply a plan",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        ),
        input_schema = crate::tools::args::schema::<ApplyPlanArgs>()
    )]
    async fn apply_plan(
        &self,
        Args(args): Args<ApplyPlanArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let plan_id = crate::tools::args::id("plan_id", &args.plan_id, "plan-0123456789ab")?;
        let hash = args.content_hash.trim();
        let jobs = &self.jobs;
        let job = match jobs.prepare(plan_id, hash, Origin::Assistant, TOOL).await {
            Ok(job) => job,
            Err(refusal @ JobError::NotApproved { .. }) => {
                let message = format!(
                    "The assistant asks to write plan {plan_id} to Clio (content hash {hash}). \
                     Approve only if you reviewed it (the reviewer file, or `clio-mcp plan \
                     show {plan_id}`)."
                );
                if !person_approves(&ctx, message).await {
                    return user_error(refusal.to_string());
                }
                let who = format!(
                    "{} (confirmed in {})",
                    crate::config::os_user(),
                    ctx.peer
                        .peer_info()
                        .map(|i| i.client_info.name.clone())
                        .unwrap_or_else(|| "the MCP client".to_string())
                );
                if let Err(e) = jobs.approve(plan_id, hash, &who, "confirmation form").await {
                    return user_error(e.to_string());
                }
                match jobs.prepare(plan_id, hash, Origin::Assistant, TOOL).await {
                    Ok(job) => job,
                    Err(e) => return user_error(e.to_string()),
                }
            }
            Err(e) if e.is_user_error() => return user_error(e.to_string()),
            Err(e) => return Err(internal("could not prepare the job", &e)),
        };
        let status = jobs.live_status(&job);
        if !matches!(status, JobStatus::Completed | JobStatus::Running) {
            if let Err(e) = jobs.resume(&job.id).await {
                return Err(internal("could not resume the job", &e));
            }
            jobs.spawn(&job.id);
        }
        answer(
            self,
            &job.id,
            None,
            DEFAULT_PROBLEMS,
            self.settings.job_wait,
            &ctx,
        )
        .await
    }
}

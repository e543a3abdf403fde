//! Tool `cancel_job`: asks a job to stop after the request in flight; it can be resumed.

use std::time::Duration;

use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::handler::ClioMcpServer;
use crate::jobs::view::DEFAULT_PROBLEMS;
use crate::tools::args::Args;
use crate::tools::job_status::answer;
use crate::tools::{internal, user_error};

/// How long the answer waits for the job to stop.
const STOP_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelJobArgs {
    pub job_id: String,
}

#[tool_router(router = cancel_job_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// Stop a job after the request in flight (apply_plan resumes it); answers as job_status.
    #[tool(
        name = "cancel_job",
        title = "Cancel a job",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        input_schema = crate::tools::args::schema::<CancelJobArgs>()
    )]
    async fn cancel_job(
        &self,
        Args(args): Args<CancelJobArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let job_id = crate::tools::args::id("job_id", &args.job_id, "job-0123456789ab")?;
        match self.jobs.cancel(job_id).await {
            Ok(()) => {}
            Err(e) if e.is_user_error() => return user_error(e.to_string()),
            Err(e) => return Err(internal("could not cancel the job", &e)),
        }
        answer(self, job_id, None, DEFAULT_PROBLEMS, STOP_WAIT, &ctx).await
    }
}

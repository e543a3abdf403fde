//! Tool `propose_rollback`: a plan that undoes a job, built from the audit log (old values put
//! back, created values cleared); reviewed and applied like any plan.

use std::time::Duration;

use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::handler::ClioMcpServer;
use crate::jobs::rollback::RollbackScope;
use crate::plan::ItemClass;
use crate::tools::args::Args;
use crate::tools::get_plan::{DEFAULT_MATTERS, answer};
use crate::tools::{internal, user_error};

pub const TOOL: &str = "propose_rollback";

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeRollbackArgs {
    /// The job to undo.
    pub job_id: String,
}

#[tool_router(router = propose_rollback_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// Plan the undoing of a job from the audit log (old values back, created ones cleared,
    /// later changes kept); writes nothing; answers as get_plan.
    #[tool(
        name = "propose_rollback",
        title = "Propose a rollback",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        ),
        input_schema = crate::tools::args::schema::<ProposeRollbackArgs>()
    )]
    async fn propose_rollback(
        &self,
        Args(args): Args<ProposeRollbackArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let scope = RollbackScope {
            jobs: vec![
                crate::tools::args::id("job_id", &args.job_id, "job-0123456789ab")?.to_string(),
            ],
            matters: Vec::new(),
        };
        let req = match self.jobs.rollback_request(&scope).await {
            Ok(r) => r,
            Err(e) if e.is_user_error() => return user_error(e.to_string()),
            Err(e) => return Err(internal("could not read the audit log", &e)),
        };
        let plan_id = match self.planner.start(req, TOOL).await {
            Ok(id) => id,
            Err(e) if e.is_user_error() => return user_error(e.to_string()),
            Err(e) => return Err(internal("could not start the rollback plan", &e)),
        };
        if let Err(e) = self.planner.wait(&plan_id, self.settings.scan_wait).await {
            return Err(internal("could not read the new plan", &e));
        }
        answer(
            self,
            &plan_id,
            Some(ItemClass::Change),
            None,
            DEFAULT_MATTERS,
            Duration::ZERO,
        )
        .await
    }
}

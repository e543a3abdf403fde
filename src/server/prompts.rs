//! The MCP prompts: ready-made instructions for the common workflows.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{PromptMessage, Role};
use rmcp::{prompt, prompt_router};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::server::McpServer;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct NormalizeFieldArgs {
    /// The custom field to normalize, by name or definition id.
    pub field: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReviewJobArgs {
    /// The job id to review.
    pub job_id: String,
}

impl McpServer {
    /// The last step of `normalize_field`: apply when this server may write, else hand over.
    fn apply_step(&self) -> &'static str {
        if self.withholds("apply_plan") {
            "4. Stop there: tell me the plan id, its content hash and the reviewer file path. \
             Writes are off on this server (read-only mode, or the write toolset is not \
             offered), so apply_plan is not available: do not try to apply the plan. A person \
             can apply it outside this chat with `clio-mcp plan approve PLAN_ID` and \
             `clio-mcp jobs run PLAN_ID`."
        } else {
            "4. Stop there: tell me the plan id, its content hash and the reviewer file path, \
             and wait. Only when I say so, call apply_plan with that plan id and content hash, \
             then follow it with job_status until it ends and report what changed and what did \
             not land. Never claim a value changed unless a tool said so."
        }
    }
}

#[prompt_router(vis = "pub(super)")]
impl McpServer {
    /// Normalize one custom field's values across matters, with a human review before anything changes.
    #[prompt(name = "normalize_field")]
    async fn normalize_field(
        &self,
        Parameters(args): Parameters<NormalizeFieldArgs>,
    ) -> Vec<PromptMessage> {
        let text = format!(
            "Help me normalize the Clio custom field {field:?} across our matters.\n\
             1. Call list_custom_fields and find the field: note its type, definition id and \
             what can safely be written to it (for a picklist, only its non-deleted options).\n\
             2. Pick the rule for its type (address, phone, person_name, whitespace, case or \
             email for text; picklist; currency; date) and call propose_normalization with it. \
             Nothing is written: it stores a plan. If it answers `scanning`, call get_plan with \
             wait_seconds until it is complete.\n\
             3. Show me the counts, then the changes as a table (matter, old -> new), paging \
             with get_plan; then list what needs a human and what is invalid, with the reasons. \
             If I decide values by hand, propose them with `values` so they are checked too. \
             Never invent picklist options.\n\
             {step4}",
            field = args.field,
            step4 = self.apply_step()
        );
        vec![PromptMessage::new_text(Role::User, text)]
    }

    /// Review a finished job from the audit log: what changed, what failed, what needs a human.
    #[prompt(name = "review_job")]
    async fn review_job(&self, Parameters(args): Parameters<ReviewJobArgs>) -> Vec<PromptMessage> {
        let text = format!(
            "Review the clio-mcp job {job:?}.\n\
             1. Call audit_log with job_id {job:?} and page through every entry (pass next_cursor back).\n\
             2. Report: how many values were written (write-done, write-resolved changed), \
             skipped because already equal (write-skipped-equal), conflicts (changed in Clio \
             since the preview), forbidden, gone, refused and failed, with the matters and fields \
             concerned; job_status with the job id gives the counts too.\n\
             3. List every value that did not land as a table (matter, field, old value, intended \
             value, outcome, reason) so a human can decide; propose_rollback with the job id \
             would plan the undoing.\n\
             Do not change anything: this is a review.",
            job = args.job_id
        );
        vec![PromptMessage::new_text(Role::User, text)]
    }
}

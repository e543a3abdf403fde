//! Tool `get_plan`: a plan's status, counts and one page of its diff.

use std::time::Duration;

use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::handler::ClioMcpServer;
use crate::plan::ItemClass;
use crate::plan::view::{MAX_PAGE_MATTERS, PageRequest, PlanView};
use crate::tools::args::{self, ArgError, Args, cursor};
use crate::tools::{internal, structured, user_error};

/// Matters per page unless asked otherwise.
pub const DEFAULT_MATTERS: u32 = 10;
/// Longest wait a caller may ask for, under the ~60 s tool-call timeout of assistants.
const MAX_WAIT_SECONDS: u64 = 20;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetPlanArgs {
    pub plan_id: String,
    /// Which items to page through (default `change`).
    #[serde(default)]
    pub class: Option<ItemClass>,
    /// `next_cursor` from the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Matters per page, 1 to 50 (default 10).
    #[serde(default)]
    pub limit: Option<u32>,
    /// While scanning, wait up to this many seconds (max 20).
    #[serde(default)]
    pub wait_seconds: Option<u64>,
}

#[tool_router(router = get_plan_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// A plan's status, counts per class and a page of change sets (old and new side by
    /// side); page with `next_cursor`.
    #[tool(
        name = "get_plan",
        title = "Get a plan",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        input_schema = crate::tools::args::schema::<GetPlanArgs>(),
        output_schema = rmcp::handler::server::tool::schema_for_output::<PlanView>()
    )]
    async fn get_plan(&self, Args(args): Args<GetPlanArgs>) -> Result<CallToolResult, ErrorData> {
        let wait = args::in_range("wait_seconds", args.wait_seconds, 0, MAX_WAIT_SECONDS, 0)?;
        let wait = Duration::from_secs(wait);
        let limit = page_limit(args.limit)?;
        answer(
            self,
            args::id("plan_id", &args.plan_id, "plan-0123456789ab")?,
            args.class,
            args.cursor.as_deref(),
            limit,
            wait,
        )
        .await
    }
}

/// `limit` of a plan page: 1 to 50 matters, 10 when left out.
pub(crate) fn page_limit(given: Option<u32>) -> Result<u32, ArgError> {
    args::limit(given, DEFAULT_MATTERS as usize, MAX_PAGE_MATTERS).map(|n| n as u32)
}

/// Waits up to `wait` for the scan, then renders one page: shared with propose_normalization.
pub(crate) async fn answer(
    server: &ClioMcpServer,
    plan_id: &str,
    class: Option<ItemClass>,
    cursor: Option<&str>,
    limit: u32,
    wait: Duration,
) -> Result<CallToolResult, ErrorData> {
    let scope = format!("get_plan:{plan_id}");
    let cursor = cursor::open_opt(&scope, cursor)?;
    let Some(page) = PageRequest::from_cursor(
        cursor.as_deref(),
        class.unwrap_or(ItemClass::Change),
        limit as usize,
    ) else {
        return user_error(
            "cursor: not one get_plan handed out; pass next_cursor back unchanged, or leave \
             it out to start from the first page",
        );
    };
    let privacy = server.settings.privacy;
    let mut out = match server.planner.view(plan_id, page, privacy, wait).await {
        Ok(v) => v,
        Err(e) if e.is_user_error() => return user_error(e.to_string()),
        Err(e) => return Err(internal("could not read the plan", &e)),
    };
    out.next_cursor = out.next_cursor.map(|c| cursor::seal(&scope, &c));
    let text = summary(&out);
    structured(&out, text)
}

fn summary(v: &PlanView) -> String {
    let mut text = format!(
        "Plan {} ({}): {}.",
        v.plan_id,
        v.status.as_str(),
        v.counts.summary()
    );
    for m in &v.matters {
        for i in &m.items {
            text.push_str(&format!(
                "\n[{}] {}: {} -> {}{}",
                m.matter_id,
                i.field,
                i.old.as_deref().unwrap_or("(none)"),
                i.new.as_deref().unwrap_or("-"),
                i.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ));
        }
    }
    if v.next_cursor.is_some() {
        text.push_str("\nMore on the next page (next_cursor).");
    }
    text.push('\n');
    text.push_str(&v.next_step);
    text
}

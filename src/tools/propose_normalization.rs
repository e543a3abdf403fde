//! Tool `propose_normalization`: a reviewable plan of changes to custom field values; nothing
//! is written to Clio.

use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use std::time::Duration;

use crate::handler::ClioMcpServer;
use crate::normalize::Rule;
use crate::plan::ItemClass;
use crate::plan::request::{ProposeRequest, ProposedValue, Scope};
use crate::tools::args::{self, Args};
use crate::tools::find_matters::MAX_QUERY_CHARS;
use crate::tools::find_matters::MatterStatus;
use crate::tools::get_plan::{answer, page_limit};
use crate::tools::{internal, user_error};

pub const TOOL: &str = "propose_normalization";

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeNormalizationArgs {
    /// Fields by name or definition id; several fields of a matter form one change set.
    pub fields: Vec<String>,
    /// {"rule": NAME, ...options} for every value in scope: address (style:
    /// title_case (default)|usps_caps, layout: auto|single_line|multi_line), phone (format:
    /// parens|dashes|dots|e164), person_name (reorder_last_first), whitespace, case (mode:
    /// upper|lower|title), email, picklist (threshold 0-1, synonyms {text: label}), currency
    /// (allow_negative), date (order: mdy|dmy).
    #[serde(default)]
    #[schemars(schema_with = "rule_schema")]
    pub rule: Option<Rule>,
    /// Or exact values to propose, each checked against its field.
    #[serde(default)]
    pub values: Option<Vec<ProposedValue>>,
    /// Rule scope: these matters (default: all, or `query`/`status`).
    #[serde(default)]
    pub matter_ids: Option<Vec<u64>>,
    /// Rule scope: Clio's text search.
    #[serde(default)]
    pub query: Option<String>,
    /// Rule scope: this status.
    #[serde(default)]
    pub status: Option<MatterStatus>,
    /// Matters on the first page, 1 to 50 (default 10).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The rule schema, written by hand: the derived one spells out every option of every rule
/// and would cost more context than all the other tools together.
fn rule_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let schema = json!({
        "type": "object",
        "description": "{\"rule\": NAME, ...options}. address (style: title_case (default)|usps_caps; \
    layout: auto|single_line|multi_line), phone (format: parens|dashes|dots|e164), person_name \
    (reorder_last_first), whitespace, case (mode: upper|lower|title), email, picklist (threshold \
    0-1, default 0.9; synonyms: {text: option label}), currency (allow_negative), date (order: \
    mdy|dmy; two_digit_year_pivot).",
        "required": ["rule"],
        "properties": {"rule": {"enum": [
            "address", "phone", "person_name", "whitespace", "case", "email", "picklist",
            "currency", "date"
        ]}}
    });
    schemars::Schema::try_from(schema).unwrap_or_default()
}

#[tool_router(router = propose_normalization_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// Plan a normalization without writing: classifies every value in scope as change, clean,
    /// empty, needs_human or invalid; answers as get_plan (`scanning` for a long scan).
    #[tool(
        name = "propose_normalization",
        title = "Propose a normalization",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        ),
        input_schema = crate::tools::args::schema::<ProposeNormalizationArgs>()
    )]
    async fn propose_normalization(
        &self,
        Args(args): Args<ProposeNormalizationArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let limit = page_limit(args.limit)?;
        args::text_at_most("query", args.query.as_deref(), MAX_QUERY_CHARS)?;
        let values_given = args.values.as_ref().is_some_and(|v| !v.is_empty());
        let req = ProposeRequest {
            fields: args.fields,
            rule: args.rule,
            values: args.values.unwrap_or_default(),
            scope: Scope {
                query: args.query.filter(|q| !q.trim().is_empty()),
                status: args.status.map(|s| s.as_str().to_string()),
                ids: args.matter_ids.unwrap_or_default(),
            },
            ..Default::default()
        };
        let plan_id = match self.planner.start(req, TOOL).await {
            Ok(id) => id,
            Err(e) if e.is_user_error() => return user_error(e.to_string()),
            Err(e) => return Err(internal("could not start the proposal", &e)),
        };
        let header = match self.planner.wait(&plan_id, self.settings.scan_wait).await {
            Ok(h) => h,
            Err(e) => return Err(internal("could not read the new plan", &e)),
        };
        // Values the assistant wrote that cannot be written are shown first, with the reason.
        let class = if values_given && header.counts.invalid > 0 {
            ItemClass::Invalid
        } else {
            ItemClass::Change
        };
        answer(self, &plan_id, Some(class), None, limit, Duration::ZERO).await
    }
}

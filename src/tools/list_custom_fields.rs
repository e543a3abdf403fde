//! Tool `list_custom_fields`: the custom field inventory, grouped by type, paged.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::handler::ClioMcpServer;
use crate::inventory::{self, FieldGroup};
use crate::tools::{structured, user_error};

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCustomFieldsArgs {
    /// Only this Clio type, e.g. `text_line`, `picklist`.
    #[serde(default)]
    pub field_type: Option<String>,
    /// Include deleted definitions (default true: values may still point at them).
    #[serde(default)]
    pub include_deleted: Option<bool>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Per page, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCustomFieldsOutput {
    /// Matching fields, all pages.
    pub total_fields: usize,
    pub groups: Vec<FieldGroup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[tool_router(router = list_custom_fields_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// Matter custom field definitions by type, with picklist options and what can safely be
    /// written. Start here.
    #[tool(
        name = "list_custom_fields",
        title = "List custom fields",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListCustomFieldsOutput>()
    )]
    async fn list_custom_fields(
        &self,
        Parameters(args): Parameters<ListCustomFieldsArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let offset = match args.cursor.as_deref().map(str::parse::<usize>) {
            None => 0,
            Some(Ok(n)) => n,
            Some(Err(_)) => {
                return user_error(
                    "cursor is not one this tool handed out: pass next_cursor back unchanged, \
                     or leave it out to start from the first page",
                );
            }
        };
        let limit = args
            .limit
            .map_or(DEFAULT_LIMIT, |l| l as usize)
            .clamp(1, MAX_LIMIT);
        let mut fields: Vec<_> = match self.planner.fields().refresh().await {
            Ok(f) => f.as_ref().clone(),
            Err(e) => return user_error(e.to_string()),
        };
        if let Some(kind) = &args.field_type {
            fields.retain(|f| f.field_type.eq_ignore_ascii_case(kind.trim()));
        }
        if !args.include_deleted.unwrap_or(true) {
            fields.retain(|f| !f.deleted);
        }
        let total_fields = fields.len();
        let page: Vec<_> = fields.into_iter().skip(offset).take(limit).collect();
        let end = offset.saturating_add(page.len());
        let next_cursor = (end < total_fields).then(|| end.to_string());
        let groups = inventory::group(&page);
        let mut text = format!("{} of {total_fields} matter custom fields", page.len());
        for g in &groups {
            let names: Vec<&str> = g.fields.iter().map(|f| f.name.as_str()).collect();
            text.push_str(&format!("\n{}: {}", g.field_type, names.join(", ")));
        }
        if next_cursor.is_some() {
            text.push_str("\nMore on the next page (next_cursor).");
        }
        let out = ListCustomFieldsOutput {
            total_fields,
            groups,
            next_cursor,
        };
        structured(&out, text)
    }
}

//! Tool `list_custom_fields`: the custom field inventory, grouped by type, paged.

use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::field_type::FieldType;
use crate::handler::ClioMcpServer;
use crate::inventory::{self, FieldGroup};
use crate::tools::args::{self, ArgError, Args, cursor};
use crate::tools::{structured, user_error};

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;
/// What cursors of this tool are sealed for.
const SCOPE: &str = "list_custom_fields";

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
        input_schema = crate::tools::args::schema::<ListCustomFieldsArgs>(),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListCustomFieldsOutput>()
    )]
    async fn list_custom_fields(
        &self,
        Args(args): Args<ListCustomFieldsArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let offset = match cursor::open_opt(SCOPE, args.cursor.as_deref())? {
            None => 0,
            Some(inner) => inner.parse::<usize>().map_err(|_| {
                ArgError::new(
                    "cursor",
                    "cursor: not one this tool handed out; leave it out",
                )
            })?,
        };
        let limit = args::limit(args.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        let kind = args.field_type.as_deref().map(str::trim);
        if let Some(kind) = kind
            && FieldType::parse(&kind.to_ascii_lowercase()).is_none()
        {
            let valid: Vec<&str> = FieldType::ALL.iter().map(|t| t.as_str()).collect();
            return Err(ArgError::new(
                "field_type",
                format!(
                    "field_type: {} is not a Clio field type; accepted: one of {}. Example: \
                     \"field_type\": \"picklist\"",
                    args::text::given_text(kind),
                    valid.join(", ")
                ),
            )
            .into());
        }
        let mut fields: Vec<_> = match self.planner.fields().refresh().await {
            Ok(f) => f.as_ref().clone(),
            Err(e) => return user_error(e.to_string()),
        };
        if let Some(kind) = kind {
            fields.retain(|f| f.field_type.eq_ignore_ascii_case(kind));
        }
        if !args.include_deleted.unwrap_or(true) {
            fields.retain(|f| !f.deleted);
        }
        let total_fields = fields.len();
        let page: Vec<_> = fields.into_iter().skip(offset).take(limit).collect();
        let end = offset.saturating_add(page.len());
        let next_cursor = (end < total_fields).then(|| cursor::seal(SCOPE, &end.to_string()));
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

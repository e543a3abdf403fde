//! Tool `find_matters`: compact, paged matter rows with Clio's filters.

use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clio::matters::MatterQuery;
use crate::handler::ClioMcpServer;
use crate::tools::args::{self, Args, cursor};
use crate::tools::matter_view::{self, MatterRow};
use crate::tools::{structured, user_error};

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 200;
const MAX_IDS: usize = 200;
/// Longest `query`: Clio's text search needs a few words, and the URL must stay short.
pub const MAX_QUERY_CHARS: usize = 500;
/// What cursors of this tool are sealed for.
const SCOPE: &str = "find_matters";

/// A matter status, as Clio names them.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatterStatus {
    Open,
    Pending,
    Closed,
}

impl MatterStatus {
    /// The lower-case name Clio takes on requests.
    pub fn as_str(self) -> &'static str {
        match self {
            MatterStatus::Open => "open",
            MatterStatus::Pending => "pending",
            MatterStatus::Closed => "closed",
        }
    }
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindMattersArgs {
    /// Free text, matched against matter number and description.
    #[serde(default)]
    pub query: Option<String>,
    /// Only matters with this status.
    #[serde(default)]
    pub status: Option<MatterStatus>,
    /// Only matters changed at or after this ISO 8601 time, e.g. `2024-05-01T00:00:00Z`.
    #[serde(default)]
    pub updated_since: Option<String>,
    /// Only these matter ids (at most 200).
    #[serde(default)]
    pub ids: Option<Vec<u64>>,
    /// `next_cursor` of the previous page; the other filters are then ignored.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Per page, 1 to 200 (default 25).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FindMattersOutput {
    pub matters: Vec<MatterRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[tool_router(router = find_matters_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// Find matters by text, status, last change or ids: compact rows, paged with
    /// `next_cursor`.
    #[tool(
        name = "find_matters",
        title = "Find matters",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        input_schema = crate::tools::args::schema::<FindMattersArgs>(),
        output_schema = rmcp::handler::server::tool::schema_for_output::<FindMattersOutput>()
    )]
    async fn find_matters(
        &self,
        Args(args): Args<FindMattersArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let limit = args::limit(args.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        args::text_at_most("query", args.query.as_deref(), MAX_QUERY_CHARS)?;
        let req = match cursor::open_opt(SCOPE, args.cursor.as_deref())? {
            Some(inner) => match matter_view::request_for_cursor(&self.client, &inner) {
                Some(req) => req,
                None => {
                    return user_error(
                        "cursor: not one this tool handed out; pass next_cursor back \
                         unchanged, or leave it out to start from the first page",
                    );
                }
            },
            None => {
                let ids = args.ids.clone().unwrap_or_default();
                if ids.len() > MAX_IDS {
                    return user_error(format!(
                        "at most {MAX_IDS} ids per call ({} given); split the list",
                        ids.len()
                    ));
                }
                if let Some(since) = &args.updated_since
                    && chrono::DateTime::parse_from_rfc3339(since.trim()).is_err()
                    && chrono::NaiveDate::parse_from_str(since.trim(), "%Y-%m-%d").is_err()
                {
                    return user_error(format!(
                        "updated_since: {} is not an ISO 8601 time; accepted: a time or a \
                         date. Example: \"updated_since\": \"2024-05-01T00:00:00Z\"",
                        args::text::given_text(since)
                    ));
                }
                let status = args.status.map(|s| s.as_str().to_string());
                matter_view::first_page(MatterQuery {
                    query: args.query.clone().filter(|q| !q.trim().is_empty()),
                    status,
                    updated_since: args.updated_since.as_ref().map(|s| s.trim().to_string()),
                    ids,
                    limit: Some(limit as u32),
                    ..Default::default()
                })
            }
        };
        let (matters, next_cursor) = match matter_view::list(&self.client, req).await {
            Ok((rows, next)) => (rows, next.map(|inner| cursor::seal(SCOPE, &inner))),
            Err(e) => return user_error(e.to_string()),
        };
        let privacy = self.settings.privacy;
        let matters: Vec<MatterRow> = matters.into_iter().map(|m| m.shown(privacy)).collect();
        let mut text = format!("{} matters", matters.len());
        for m in matters.iter().take(10) {
            text.push_str(&format!(
                "\n{} [{}] {} ({})",
                m.display_number.as_deref().unwrap_or("?"),
                m.id,
                m.description.as_deref().unwrap_or(""),
                m.status.as_deref().unwrap_or("?")
            ));
        }
        if matters.len() > 10 {
            text.push_str(&format!("\n… and {} more", matters.len() - 10));
        }
        if next_cursor.is_some() {
            text.push_str("\nMore on the next page (next_cursor).");
        }
        structured(
            &FindMattersOutput {
                matters,
                next_cursor,
            },
            text,
        )
    }
}

//! Tool `list_documents`: a matter's visible documents, paged with `next_cursor`.

use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clio::documents::Document;
use crate::clio::{ApiRequest, ClioClient};
use crate::handler::ClioMcpServer;
use crate::tools::args::{Args, cursor};
use crate::tools::{structured, user_error};

const PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListDocumentsArgs {
    pub matter_id: u64,
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DocumentRow {
    pub id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    pub fully_uploaded: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListDocumentsOutput {
    pub documents: Vec<DocumentRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// What this tool's cursors are sealed for: the tool and the matter paged.
fn scope(matter_id: u64) -> String {
    format!("list_documents:{matter_id}")
}

/// The request a cursor's link stands for: a documents link under the configured Clio API only.
fn request_for_link(client: &ClioClient, link: &str, matter_id: u64) -> Option<ApiRequest> {
    let req = client.request_for_link(link).ok()?;
    let same_matter = req
        .query
        .iter()
        .any(|(k, v)| k == "parent_id" && *v == matter_id.to_string());
    (req.path.trim_start_matches('/') == "documents.json" && same_matter).then_some(req)
}

#[tool_router(router = list_documents_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// A matter's documents, paged with `next_cursor`.
    #[tool(
        name = "list_documents",
        title = "List documents",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        input_schema = crate::tools::args::schema::<ListDocumentsArgs>(),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListDocumentsOutput>()
    )]
    async fn list_documents(
        &self,
        Args(args): Args<ListDocumentsArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let scope = scope(args.matter_id);
        let req = match cursor::open_opt(&scope, args.cursor.as_deref())? {
            Some(link) => match request_for_link(&self.client, &link, args.matter_id) {
                Some(r) => r,
                None => {
                    return user_error(
                        "cursor is not one this tool handed out for this matter: pass \
                         next_cursor back unchanged, or leave it out for the first page",
                    );
                }
            },
            None => ClioClient::documents_request(args.matter_id, None, PAGE),
        };
        let (docs, next) = match self.client.page::<Document>(req).await {
            Ok(page) => page,
            Err(e) => return user_error(e.to_string()),
        };
        let documents: Vec<DocumentRow> = docs
            .into_iter()
            .map(|d| DocumentRow {
                id: d.id,
                fully_uploaded: d.fully_uploaded(),
                size: d.size(),
                name: d.name,
                content_type: d.content_type,
                created_at: d.created_at,
            })
            .collect();
        let mut text = format!("{} documents on matter {}", documents.len(), args.matter_id);
        for d in documents.iter().take(10) {
            text.push_str(&format!(
                "\n[{}] {} ({} bytes)",
                d.id,
                d.name.as_deref().unwrap_or("?"),
                d.size.unwrap_or(0)
            ));
        }
        let next_cursor = next.as_deref().map(|link| cursor::seal(&scope, link));
        if next_cursor.is_some() {
            text.push_str("\nMore on the next page (next_cursor).");
        }
        structured(
            &ListDocumentsOutput {
                documents,
                next_cursor,
            },
            text,
        )
    }
}

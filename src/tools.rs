//! The MCP tools, one per file, summed into the one router; their contracts; and the helpers
//! that turn their outcomes into tool results.

pub mod apply_custom_field;
pub mod apply_plan;
pub mod args;
pub mod audit_log;
pub mod cancel_job;
mod confirm;
pub mod contract;
pub mod find_matters;
pub mod get_plan;
pub mod job_status;
pub mod list_custom_fields;
pub mod list_documents;
pub mod matter_view;
pub mod propose_normalization;
pub mod propose_rollback;
pub mod rate_limit_status;
pub mod read_matter_fields;
pub mod sanitize;
pub mod toolsets;
pub mod upload_document;

use rmcp::ErrorData;
use rmcp::handler::server::tool::ToolRouter;
use std::sync::Arc;

use rmcp::model::{CallToolResult, ContentBlock, Tool};
use serde::Serialize;

use crate::handler::ClioMcpServer;
use contract::schema::compact_schema;

/// Every tool's router, summed; the one place tools are registered.
pub fn router() -> ToolRouter<ClioMcpServer> {
    let mut router = ClioMcpServer::list_custom_fields_router()
        + ClioMcpServer::find_matters_router()
        + ClioMcpServer::read_matter_fields_router()
        + ClioMcpServer::rate_limit_status_router()
        + ClioMcpServer::audit_log_router()
        + ClioMcpServer::propose_normalization_router()
        + ClioMcpServer::get_plan_router()
        + ClioMcpServer::apply_custom_field_router()
        + ClioMcpServer::apply_plan_router()
        + ClioMcpServer::job_status_router()
        + ClioMcpServer::cancel_job_router()
        + ClioMcpServer::propose_rollback_router()
        + ClioMcpServer::upload_document_router()
        + ClioMcpServer::list_documents_router();
    for route in router.map.values_mut() {
        args::answer_as_tool_errors(route);
        route.attr.input_schema = Arc::new(compact_schema(&route.attr.input_schema, false));
        if let Some(out) = &route.attr.output_schema {
            route.attr.output_schema = Some(Arc::new(compact_schema(out, true)));
        }
    }
    router
}

impl ClioMcpServer {
    /// Every tool this server offers, sorted by name, as `tools/list` shows them.
    /// Needs no client: used by `tools export` and the contract tests.
    pub fn tools() -> Vec<Tool> {
        router().list_all()
    }
}

/// A successful result: `out` as structured content, `text` as the short human rendering.
pub(crate) fn structured<T: Serialize>(out: &T, text: String) -> Result<CallToolResult, ErrorData> {
    let value = serde_json::to_value(out).map_err(|e| {
        tracing::error!(error = %e, "could not serialise a tool result");
        ErrorData::internal_error("could not encode the result", None)
    })?;
    let mut result = CallToolResult::structured(value);
    result.content = vec![ContentBlock::text(text)];
    Ok(result)
}

/// A failure the user can act on: a tool result with `isError: true`.
pub(crate) fn user_error(message: impl Into<String>) -> Result<CallToolResult, ErrorData> {
    Ok(CallToolResult::error(vec![ContentBlock::text(
        message.into(),
    )]))
}

/// An internal fault: logged in full, reported to the client without internals.
pub(crate) fn internal(what: &str, error: &dyn std::fmt::Display) -> ErrorData {
    tracing::error!(error = %error, "{what}");
    ErrorData::internal_error(what.to_string(), None)
}

/// Shortens `text` to at most `max` characters, marking the cut with an ellipsis.
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_text_and_marks_cuts() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("ééééé", 3).chars().count(), 3);
    }
}

//! Tool `rate_limit_status`: the request limiter's state and the client's counters.

use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::Serialize;

use crate::clio::{LimiterStatus, MetricsSnapshot};
use crate::handler::ClioMcpServer;
use crate::tools::structured;

#[derive(Debug, Serialize, JsonSchema)]
pub struct RateLimitStatusOutput {
    pub limiter: LimiterStatus,
    pub metrics: MetricsSnapshot,
}

#[tool_router(router = rate_limit_status_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// Clio's request budget (pace, rate headers, any pause) and the client's counters.
    #[tool(
        name = "rate_limit_status",
        title = "Rate limit status",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<RateLimitStatusOutput>()
    )]
    async fn rate_limit_status(&self) -> Result<CallToolResult, ErrorData> {
        let out = RateLimitStatusOutput {
            limiter: self.client.limiter_status(),
            metrics: self.client.metrics(),
        };
        let text = format!(
            "pace {}/min (ceiling {}/min), Clio remaining {}; {} requests, {} rate limited, \
             {} retries, {} ms waited",
            out.limiter.effective_per_minute,
            out.limiter.ceiling_per_minute,
            out.limiter
                .clio_remaining
                .map_or("unknown".to_string(), |r| r.to_string()),
            out.metrics.total_requests,
            out.metrics.rate_limited,
            out.metrics.retries,
            out.metrics.waited_ms
        );
        structured(&out, text)
    }
}

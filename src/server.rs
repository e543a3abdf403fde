//! The MCP server: shared state (Clio client, audit log), server info, the summed tool router.

mod prompts;

use std::path::PathBuf;
use std::sync::Arc;

use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::tool::ToolRouter;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig, Tool};
use rmcp::{ServerHandler, prompt_handler, tool_handler};

use std::time::Duration;

use crate::audit::AuditLog;
use crate::clio::ClioClient;
use crate::plan::propose::{DEFAULT_SCAN_WAIT, Planner};
use crate::privacy::Privacy;

/// What the assistant is told when it connects: the workflow, and what is not built yet.
pub const INSTRUCTIONS: &str = "clio-mcp works on a law firm's Clio Manage custom fields. \
Everything you read here is privileged client data: every read of matter values is recorded \
in a tamper-evident audit log (which matters and fields, never the values).\n\
Workflow: 1) inventory the fields with `list_custom_fields` (types, picklist options, what can \
safely be written); 2) find the matters concerned with `find_matters` (paged: pass \
`next_cursor` back unchanged); 3) read values with `read_matter_fields` (at most 20 matters a \
call); 4) `propose_normalization` with a rule (or exact `values`) stores a plan and shows its \
counts and first changes; page it with `get_plan` and show the person the changes, what needs \
a human and what is invalid. Applying a plan, job status and rollback are NOT available in \
this version: nothing is ever written to Clio, so say so rather than claiming to have changed \
anything. `rate_limit_status` shows Clio's request budget; `audit_log` shows what was read.";

/// How a server treats client data and long scans.
#[derive(Debug, Clone, Copy)]
pub struct ServerSettings {
    pub privacy: Privacy,
    /// How long a proposal is waited for before the tool answers with progress instead.
    pub scan_wait: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            privacy: Privacy::Full,
            scan_wait: DEFAULT_SCAN_WAIT,
        }
    }
}

/// The clio-mcp MCP server. Cheap to clone: one per HTTP session shares the same client,
/// audit log and planner.
#[derive(Clone)]
pub struct ClioMcpServer {
    pub(crate) client: ClioClient,
    pub(crate) audit: Arc<AuditLog>,
    pub(crate) planner: Planner,
    pub(crate) settings: ServerSettings,
    tool_router: ToolRouter<ClioMcpServer>,
    prompt_router: PromptRouter<ClioMcpServer>,
}

impl ClioMcpServer {
    pub fn new(
        client: ClioClient,
        audit: Arc<AuditLog>,
        planner: Planner,
        settings: ServerSettings,
    ) -> ClioMcpServer {
        ClioMcpServer {
            client,
            audit,
            planner,
            settings,
            tool_router: crate::tools::router(),
            prompt_router: Self::prompt_router(),
        }
    }

    /// Every tool this server offers, sorted by name, as `tools/list` shows them.
    /// Needs no client: used by `tools export` and the contract tests.
    pub fn tools() -> Vec<Tool> {
        crate::tools::router().list_all()
    }

    /// Stops the background scans of this process; their plans end as failed ("cancelled"),
    /// never as a plan that looks complete.
    pub async fn shutdown(&self) {
        self.planner.shutdown().await;
    }

    /// The folder the audit log of this server writes to.
    pub fn audit_dir(&self) -> PathBuf {
        self.audit.dir().to_path_buf()
    }
}

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for ClioMcpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .build(),
        )
        .with_server_info(
            Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
                .with_title("Clio MCP"),
        )
        .with_instructions(INSTRUCTIONS)
    }
}

//! The MCP handler type every tool and prompt is a method on: the process's services and the
//! server's settings. A leaf of the MCP face: the tools name it, it names no tool.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::tool::ToolRouter;

use crate::app::Services;
use crate::audit::AuditLog;
use crate::clio::ClioClient;
use crate::plan::propose::{DEFAULT_SCAN_WAIT, Planner};
use crate::privacy::Privacy;

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
    pub(crate) tool_router: ToolRouter<ClioMcpServer>,
    pub(crate) prompt_router: PromptRouter<ClioMcpServer>,
}

impl ClioMcpServer {
    /// A server on `services` that routes calls through the given routers (see
    /// `server::new`, which sums every tool and prompt).
    pub(crate) fn with_routers(
        services: Services,
        settings: ServerSettings,
        tool_router: ToolRouter<ClioMcpServer>,
        prompt_router: PromptRouter<ClioMcpServer>,
    ) -> ClioMcpServer {
        ClioMcpServer {
            client: services.client,
            audit: services.audit,
            planner: services.planner,
            settings,
            tool_router,
            prompt_router,
        }
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

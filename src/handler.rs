//! The type every tool is a method on: a server connected to Clio, with the process's services
//! and the server's settings. A leaf of the MCP face: the tools name it, it names no tool.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::app::Services;
use crate::audit::AuditLog;
use crate::clio::ClioClient;
use crate::documents::DocumentService;
use crate::gate::Gate;
use crate::jobs::JobService;
use crate::plan::propose::{DEFAULT_SCAN_WAIT, Planner};
use crate::privacy::Privacy;

/// How long `apply_plan` follows a new job before it answers with its progress.
pub const DEFAULT_JOB_WAIT: Duration = Duration::from_secs(20);

/// How a server treats client data, long scans and jobs.
#[derive(Debug, Clone, Copy)]
pub struct ServerSettings {
    pub privacy: Privacy,
    /// How long a proposal is waited for before the tool answers with progress instead.
    pub scan_wait: Duration,
    /// How long `apply_plan` follows a job before it answers; the job goes on.
    pub job_wait: Duration,
    /// Which tools are offered: read-only mode and toolsets (applied by `server::McpServer`).
    pub gate: Gate,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            privacy: Privacy::Full,
            scan_wait: DEFAULT_SCAN_WAIT,
            job_wait: DEFAULT_JOB_WAIT,
            gate: Gate::default(),
        }
    }
}

/// clio-mcp connected to Clio: what every tool call runs on (`server::McpServer` hands it
/// out once connected). Cheap to clone: every HTTP session shares the same client, audit log
/// and planner.
#[derive(Clone)]
pub struct ClioMcpServer {
    pub(crate) client: ClioClient,
    pub(crate) audit: Arc<AuditLog>,
    pub(crate) planner: Planner,
    pub(crate) jobs: JobService,
    pub(crate) documents: DocumentService,
    pub(crate) settings: ServerSettings,
}

impl ClioMcpServer {
    /// The tools' view of `services` with `settings`.
    pub fn on(services: Services, settings: ServerSettings) -> ClioMcpServer {
        ClioMcpServer {
            client: services.client,
            audit: services.audit,
            planner: services.planner,
            jobs: services.jobs,
            documents: services.documents,
            settings,
        }
    }

    /// Stops the background scans and jobs of this process: scans end as failed
    /// ("cancelled"), never as a plan that looks complete; jobs stop after the request in
    /// flight, as interrupted (resumable).
    pub async fn shutdown(&self) {
        self.planner.shutdown().await;
        self.jobs.shutdown().await;
    }

    /// The job service, for `serve --resume-jobs`.
    pub fn jobs(&self) -> &JobService {
        &self.jobs
    }

    /// The folder the audit log of this server writes to.
    pub fn audit_dir(&self) -> PathBuf {
        self.audit.dir().to_path_buf()
    }
}

//! The error of a whole command: each layer's error, linked with `#[from]`, shown to the
//! person at the terminal.

use crate::app::StartError;
use crate::audit::AuditError;
use crate::clio::ClioError;
use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    HttpSecurity(#[from] crate::http_security::HttpSecurityError),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    #[error(transparent)]
    Clio(#[from] ClioError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Store(#[from] crate::plan::StoreError),
    #[error(transparent)]
    Plan(#[from] crate::plan::propose::PlanError),
    #[error(transparent)]
    Privacy(#[from] crate::privacy::PrivacyError),
    #[error(transparent)]
    Jobs(#[from] crate::jobs::JobError),
    #[error(transparent)]
    JobStore(#[from] crate::jobs::JobStoreError),
    #[error(transparent)]
    Webhooks(#[from] crate::webhooks::WebhookError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Usage(String),
}

//! The server's one way to Clio: connected at once (`--sandbox`, tests) or on the first tool
//! call that needs it, again on the next call after a failure (never in a background loop),
//! with a tool error that says what is wrong and what to run.

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::app::{Services, StartError};
use crate::auth::AuthError;
use crate::clio::ClioError;
use crate::config::ConfigError;
use crate::handler::{ClioMcpServer, ServerSettings};

/// Makes the services: reads the sign-in, reaches Clio, opens the state folder.
pub type Connector =
    Arc<dyn Fn() -> BoxFuture<'static, Result<Services, StartError>> + Send + Sync>;

/// The connected server, or how to connect; a failed attempt leaves it unconnected.
pub struct Connection {
    slot: tokio::sync::OnceCell<ClioMcpServer>,
    connect: Option<Connector>,
    settings: ServerSettings,
}

impl Connection {
    pub fn ready(server: ClioMcpServer) -> Connection {
        let settings = server.settings;
        Connection {
            slot: tokio::sync::OnceCell::new_with(Some(server)),
            connect: None,
            settings,
        }
    }

    pub fn lazy(connect: Connector, settings: ServerSettings) -> Connection {
        Connection {
            slot: tokio::sync::OnceCell::new(),
            connect: Some(connect),
            settings,
        }
    }

    /// The connected server, connecting now if need be (one attempt at a time), or the text
    /// of the tool error to answer with.
    pub async fn get(&self) -> Result<&ClioMcpServer, String> {
        if let Some(server) = self.slot.get() {
            return Ok(server);
        }
        let Some(connect) = &self.connect else {
            return Err("clio-mcp has no way to connect to Clio in this process".to_string());
        };
        let attempt = self.slot.get_or_try_init(|| async {
            let services = connect().await?;
            tracing::info!("connected to Clio");
            Ok::<_, StartError>(ClioMcpServer::on(services, self.settings))
        });
        attempt.await.map_err(|e| {
            tracing::warn!(error = %e, "could not connect to Clio; the next tool call tries again");
            unavailable(&e)
        })
    }

    /// The connected server, if it is.
    pub fn connected(&self) -> Option<&ClioMcpServer> {
        self.slot.get()
    }
}

/// What a tool says when clio-mcp cannot work on Clio: the problem and the next step.
pub fn unavailable(error: &StartError) -> String {
    let again = "then call the tool again (clio-mcp retries on every call)";
    match error {
        StartError::Auth(AuthError::NotSignedIn { .. })
        | StartError::Config(ConfigError::NoHome) => {
            format!(
                "clio-mcp is not signed in to Clio ({error}). Run `clio-mcp auth login` in a \
                 terminal, {again}."
            )
        }
        StartError::Clio(ClioError::Unauthorized { .. }) => format!(
            "Clio refused clio-mcp's sign-in ({error}). Run `clio-mcp auth login` in a terminal \
             to sign in again, {again}."
        ),
        StartError::Clio(ClioError::Network { .. }) => format!(
            "clio-mcp could not reach Clio ({error}). Check the network, and that CLIO_REGION \
             or CLIO_BASE_URL name the region your Clio account lives in; {again}."
        ),
        other => format!("clio-mcp cannot work on Clio yet: {other}. Fix that, {again}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_names_its_next_step() {
        let not_signed_in = StartError::Auth(AuthError::NotSignedIn {
            store: "the file /h/credentials.json".to_string(),
        });
        assert!(unavailable(&not_signed_in).contains("clio-mcp auth login"));
        let refused = StartError::Clio(ClioError::Unauthorized {
            message: "invalid_grant".to_string(),
        });
        assert!(unavailable(&refused).contains("clio-mcp auth login"));
        let offline = StartError::Clio(ClioError::Network {
            message: "connection failed".to_string(),
            attempts: 5,
        });
        let text = unavailable(&offline);
        assert!(
            text.contains("network") && text.contains("CLIO_REGION"),
            "{text}"
        );
        assert!(text.contains("CLIO_BASE_URL"), "{text}");
    }
}

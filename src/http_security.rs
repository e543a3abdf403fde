//! HTTP transport security: loopback-only by default, a bearer token required to go remote,
//! exact Host and Origin allow-lists against DNS rebinding, and a request body cap.

mod rebinding;

use std::net::SocketAddr;

use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

pub use rebinding::{RebindingGuard, Refusal};

/// The shortest bearer token accepted.
pub const MIN_TOKEN_CHARS: usize = 32;
/// Request bodies larger than this are refused with 413.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// The environment variable holding the bearer token.
pub const TOKEN_ENV: &str = "CLIO_MCP_HTTP_TOKEN";

/// How the HTTP transport protects itself. `Default` is the safe choice: loopback only, no
/// extra hosts or origins, 1 MiB bodies.
#[derive(Clone)]
pub struct HttpSecurity {
    /// Permit a non-loopback bind address (still requires `bearer_token`).
    pub allow_remote: bool,
    /// When set, every request must carry `Authorization: Bearer <token>`.
    pub bearer_token: Option<SecretString>,
    /// Host names accepted besides loopback (e.g. the public name behind a proxy), as `name`
    /// (the bound port, or none) or `name:port` (that port); see [`RebindingGuard`].
    pub extra_hosts: Vec<String>,
    /// Origins accepted besides the server's own, as `scheme://host:port`, matched exactly.
    pub extra_origins: Vec<String>,
    pub max_body_bytes: usize,
}

impl Default for HttpSecurity {
    fn default() -> Self {
        HttpSecurity {
            allow_remote: false,
            bearer_token: None,
            extra_hosts: Vec::new(),
            extra_origins: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl std::fmt::Debug for HttpSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSecurity")
            .field("allow_remote", &self.allow_remote)
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "[set]"))
            .field("extra_hosts", &self.extra_hosts)
            .field("extra_origins", &self.extra_origins)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// A bind that would expose the server unsafely, with what to do instead.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HttpSecurityError {
    #[error(
        "refusing to listen on {addr}: it is not a loopback address. Use 127.0.0.1, or pass \
         --allow-remote and set {TOKEN_ENV} to a random token of at least {MIN_TOKEN_CHARS} characters"
    )]
    RemoteNotAllowed { addr: SocketAddr },
    #[error(
        "refusing to listen on {addr} without a bearer token: set {TOKEN_ENV} to a random token \
         of at least {MIN_TOKEN_CHARS} characters (e.g. `openssl rand -hex 32`)"
    )]
    RemoteNeedsToken { addr: SocketAddr },
    #[error(
        "{TOKEN_ENV} is too short ({len} characters): use a random token of at least {MIN_TOKEN_CHARS}"
    )]
    TokenTooShort { len: usize },
    #[error("--allow-host `{entry}` is not a host name, host:port, [IPv6] or [IPv6]:port")]
    InvalidAllowedHost { entry: String },
    #[error(
        "--allow-origin `{entry}` is not an origin: write scheme://host:port, \
         e.g. http://localhost:3000"
    )]
    InvalidAllowedOrigin { entry: String },
}

impl HttpSecurity {
    /// Refuses a bind address this configuration does not make safe, and allow-list entries
    /// that would match nothing.
    pub fn check_bind(&self, addr: SocketAddr) -> Result<(), HttpSecurityError> {
        if let Some(entry) = self
            .extra_hosts
            .iter()
            .find(|h| rebinding::parse_host_entry(h).is_none())
        {
            let entry = entry.clone();
            return Err(HttpSecurityError::InvalidAllowedHost { entry });
        }
        if let Some(entry) = self
            .extra_origins
            .iter()
            .find(|o| rebinding::parse_origin(o).is_none())
        {
            let entry = entry.clone();
            return Err(HttpSecurityError::InvalidAllowedOrigin { entry });
        }
        if let Some(token) = &self.bearer_token {
            let len = token.expose_secret().chars().count();
            if len < MIN_TOKEN_CHARS {
                return Err(HttpSecurityError::TokenTooShort { len });
            }
        }
        if addr.ip().is_loopback() {
            return Ok(());
        }
        if !self.allow_remote {
            return Err(HttpSecurityError::RemoteNotAllowed { addr });
        }
        if self.bearer_token.is_none() {
            return Err(HttpSecurityError::RemoteNeedsToken { addr });
        }
        Ok(())
    }

    /// The exact Host and Origin checks for a server bound to `addr`.
    pub fn guard(&self, addr: SocketAddr) -> RebindingGuard {
        RebindingGuard::new(addr, &self.extra_hosts, &self.extra_origins)
    }

    /// Applies the body cap to rmcp's transport config and turns off rmcp's own Host and
    /// Origin checks: [`RebindingGuard`] runs in front of it and is exact, where rmcp lets a
    /// portless entry match any port and answers a malformed Host with 400.
    pub fn apply(&self, config: StreamableHttpServerConfig) -> StreamableHttpServerConfig {
        config
            .disable_allowed_hosts()
            .disable_allowed_origins()
            .with_max_request_body_bytes(self.max_body_bytes)
    }
}

/// Whether an `Authorization` header value carries `expected` as a bearer token. Compares
/// SHA-256 digests in constant time, so neither the content nor the length leaks by timing.
pub fn bearer_matches(expected: &SecretString, header: Option<&str>) -> bool {
    let Some(given) = header.and_then(|h| {
        h.strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
    }) else {
        return false;
    };
    let a = Sha256::digest(expected.expose_secret().as_bytes());
    let b = Sha256::digest(given.trim().as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn default_allows_loopback_only() {
        let s = HttpSecurity::default();
        assert!(s.check_bind(addr("127.0.0.1:8787")).is_ok());
        assert!(s.check_bind(addr("[::1]:8787")).is_ok());
        assert_eq!(
            s.check_bind(addr("0.0.0.0:8787")),
            Err(HttpSecurityError::RemoteNotAllowed {
                addr: addr("0.0.0.0:8787")
            })
        );
        assert_eq!(s.max_body_bytes, 1024 * 1024);
    }

    #[test]
    fn remote_needs_both_the_flag_and_a_long_token() {
        let flag_only = HttpSecurity {
            allow_remote: true,
            ..Default::default()
        };
        assert!(matches!(
            flag_only.check_bind(addr("10.0.0.5:8787")),
            Err(HttpSecurityError::RemoteNeedsToken { .. })
        ));
        let short = HttpSecurity {
            allow_remote: true,
            bearer_token: Some(SecretString::from("short")),
            ..Default::default()
        };
        assert_eq!(
            short.check_bind(addr("10.0.0.5:8787")),
            Err(HttpSecurityError::TokenTooShort { len: 5 })
        );
        let token_only = HttpSecurity {
            bearer_token: Some(SecretString::from(TOKEN)),
            ..Default::default()
        };
        assert!(matches!(
            token_only.check_bind(addr("10.0.0.5:8787")),
            Err(HttpSecurityError::RemoteNotAllowed { .. })
        ));
        let both = HttpSecurity {
            allow_remote: true,
            bearer_token: Some(SecretString::from(TOKEN)),
            ..Default::default()
        };
        assert!(both.check_bind(addr("10.0.0.5:8787")).is_ok());
    }

    #[test]
    fn error_messages_never_contain_the_token() {
        let short = HttpSecurity {
            bearer_token: Some(SecretString::from("tiny-secret")),
            ..Default::default()
        };
        let msg = short
            .check_bind(addr("127.0.0.1:1"))
            .unwrap_err()
            .to_string();
        assert!(!msg.contains("tiny-secret"), "{msg}");
        assert!(!format!("{short:?}").contains("tiny-secret"));
    }

    #[test]
    fn allow_list_entries_that_match_nothing_stop_start_up() {
        for entry in ["", "evil.example:8787.x", "a b", "http://x.example"] {
            let s = HttpSecurity {
                extra_hosts: vec![entry.to_string()],
                ..Default::default()
            };
            assert!(
                matches!(
                    s.check_bind(addr("127.0.0.1:1")),
                    Err(HttpSecurityError::InvalidAllowedHost { .. })
                ),
                "{entry}"
            );
        }
        for entry in [
            "*",
            "null",
            "localhost:3000",
            "http://x.example/path",
            "http://x:*",
        ] {
            let s = HttpSecurity {
                extra_origins: vec![entry.to_string()],
                ..Default::default()
            };
            assert!(
                matches!(
                    s.check_bind(addr("127.0.0.1:1")),
                    Err(HttpSecurityError::InvalidAllowedOrigin { .. })
                ),
                "{entry}"
            );
        }
        let fine = HttpSecurity {
            extra_hosts: vec!["mcp.example.com".into(), "[::1]:9000".into(), "::2".into()],
            extra_origins: vec!["http://localhost:3000".into(), "https://app.example".into()],
            ..Default::default()
        };
        assert!(fine.check_bind(addr("127.0.0.1:1")).is_ok());
    }

    #[test]
    fn rmcps_own_host_and_origin_checks_are_off_behind_the_guard() {
        let config = HttpSecurity::default().apply(StreamableHttpServerConfig::default());
        assert!(config.allowed_hosts.is_empty());
        assert!(config.allowed_origins.is_empty());
        assert_eq!(config.max_request_body_bytes, DEFAULT_MAX_BODY_BYTES);
    }

    #[test]
    fn bearer_compare_accepts_only_the_exact_token() {
        let expected = SecretString::from(TOKEN);
        assert!(bearer_matches(&expected, Some(&format!("Bearer {TOKEN}"))));
        assert!(!bearer_matches(&expected, Some(TOKEN)));
        assert!(!bearer_matches(&expected, Some("Bearer wrong")));
        assert!(!bearer_matches(
            &expected,
            Some(&format!("Bearer {TOKEN}x"))
        ));
        assert!(!bearer_matches(&expected, Some("Basic abc")));
        assert!(!bearer_matches(&expected, None));
    }
}

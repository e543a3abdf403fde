//! HTTP transport security: loopback-only by default, a bearer token required to go remote,
//! Host and Origin allow-lists against DNS rebinding, and a request body cap.

use std::net::SocketAddr;

use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The shortest bearer token accepted.
pub const MIN_TOKEN_CHARS: usize = 32;
/// Request bodies larger than this are refused with 413.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// The environment variable holding the bearer token.
pub const TOKEN_ENV: &str = "CLIO_MCP_HTTP_TOKEN";

const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
const LOOPBACK_ORIGINS: [&str; 6] = [
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://[::1]:*",
];

/// How the HTTP transport protects itself. `Default` is the safe choice: loopback only, no
/// extra hosts or origins, 1 MiB bodies.
#[derive(Clone)]
pub struct HttpSecurity {
    /// Permit a non-loopback bind address (still requires `bearer_token`).
    pub allow_remote: bool,
    /// When set, every request must carry `Authorization: Bearer <token>`.
    pub bearer_token: Option<SecretString>,
    /// Host names accepted besides loopback (e.g. the public name behind a proxy).
    pub extra_hosts: Vec<String>,
    /// Origins accepted besides loopback ones, as `scheme://host:port`.
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
}

impl HttpSecurity {
    /// Refuses a bind address this configuration does not make safe.
    pub fn check_bind(&self, addr: SocketAddr) -> Result<(), HttpSecurityError> {
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

    /// Host names accepted in `Host`: loopback, the bound address (unless a wildcard), extras.
    pub fn allowed_hosts(&self, addr: SocketAddr) -> Vec<String> {
        let mut hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| h.to_string()).collect();
        if !addr.ip().is_unspecified() && !addr.ip().is_loopback() {
            hosts.push(addr.ip().to_string());
        }
        hosts.extend(self.extra_hosts.iter().cloned());
        hosts
    }

    /// Origins accepted when a request carries an `Origin` header.
    pub fn allowed_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = LOOPBACK_ORIGINS.iter().map(|o| o.to_string()).collect();
        origins.extend(self.extra_origins.iter().cloned());
        origins
    }

    /// Applies the Host, Origin and body-size rules to rmcp's transport config.
    pub fn apply(
        &self,
        config: StreamableHttpServerConfig,
        addr: SocketAddr,
    ) -> StreamableHttpServerConfig {
        config
            .with_allowed_hosts(self.allowed_hosts(addr))
            .with_allowed_origins(self.allowed_origins())
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
    fn allowed_hosts_add_the_bound_address_but_not_a_wildcard() {
        let s = HttpSecurity::default();
        assert!(
            s.allowed_hosts(addr("10.0.0.5:1"))
                .contains(&"10.0.0.5".to_string())
        );
        assert!(
            !s.allowed_hosts(addr("0.0.0.0:1"))
                .contains(&"0.0.0.0".to_string())
        );
        assert!(
            s.allowed_origins()
                .iter()
                .all(|o| o.contains("localhost") || o.contains("127.0.0.1") || o.contains("::1"))
        );
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

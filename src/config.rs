//! Process configuration from the environment, validated once at start-up.

use std::num::NonZeroU32;
use std::path::PathBuf;

use secrecy::SecretString;
use url::Url;

/// Clio's default per-token budget at peak (requests per minute).
pub const DEFAULT_RATE_LIMIT: u32 = 50;

/// A configuration value that cannot be used, with what to do about it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "CLIO_REGION={value:?} is not a Clio region: use one of us, ca, eu, au (the region your Clio account lives in)"
    )]
    UnknownRegion { value: String },
    #[error(
        "CLIO_BASE_URL={value:?} is not usable: {reason}. Give a full http(s) URL such as https://app.clio.com/api/v4"
    )]
    BadBaseUrl { value: String, reason: String },
    #[error(
        "CLIO_RATE_LIMIT={value:?} is not usable: give a whole number of requests per minute, at least 1 (Clio's peak budget is 50)"
    )]
    BadRateLimit { value: String },
    #[error(
        "no state folder: set CLIO_MCP_HOME to a folder clio-mcp may write its audit log and job state to"
    )]
    NoHome,
    #[error(
        "CLIO_MCP_CREDENTIAL_STORE={value:?} is not a credential store: use auto (the OS keyring when there is one, else the credentials file), keyring or file"
    )]
    BadCredentialStore { value: String },
    #[error(
        "CLIO_MCP_APPROVAL_THRESHOLD={value:?} is not usable: give a whole number of change sets (0 means every plan needs a person's approval; the default is 25)"
    )]
    BadApprovalThreshold { value: String },
}

/// Most characters of a setting's value repeated in an error.
const SHOWN_CHARS: usize = 80;

/// A setting's value as an error repeats it: without control, zero-width or bidirectional
/// characters, cut to 80 characters.
pub fn shown(value: &str) -> String {
    crate::text::one_line(value, SHOWN_CHARS)
}

/// The person this process runs as, as the operating system names them (who approved).
pub fn os_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.trim().is_empty()))
        .unwrap_or_else(|| "an unnamed OS user".to_string())
}

/// Change sets an assistant may apply without a person's approval: `CLIO_MCP_APPROVAL_THRESHOLD`,
/// read through `lookup`, else `default`.
pub fn approval_threshold(
    lookup: impl Fn(&str) -> Option<String>,
    default: u64,
) -> Result<u64, ConfigError> {
    match lookup("CLIO_MCP_APPROVAL_THRESHOLD").filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map_err(|_| ConfigError::BadApprovalThreshold { value: shown(&v) }),
    }
}

/// The four Clio regions; a token only works in its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Us,
    Ca,
    Eu,
    Au,
}

impl Region {
    /// `us`, `ca`, `eu` or `au`, in any case.
    pub fn parse(value: &str) -> Result<Region, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "ca" => Ok(Region::Ca),
            "eu" => Ok(Region::Eu),
            "au" => Ok(Region::Au),
            _ => Err(ConfigError::UnknownRegion {
                value: shown(value),
            }),
        }
    }

    /// The region's short name, as `CLIO_REGION` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Ca => "ca",
            Region::Eu => "eu",
            Region::Au => "au",
        }
    }

    /// The API base of the region.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Us => "https://app.clio.com/api/v4",
            Region::Ca => "https://ca.app.clio.com/api/v4",
            Region::Eu => "https://eu.app.clio.com/api/v4",
            Region::Au => "https://au.app.clio.com/api/v4",
        }
    }
}

/// OAuth credentials; secrets stay in `SecretString` so they cannot be printed by accident.
#[derive(Clone, Default)]
pub struct Credentials {
    pub access_token: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_token", &self.access_token.as_ref().map(|_| "[set]"))
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[set]"),
            )
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[set]"),
            )
            .finish()
    }
}

/// Everything the Clio client needs to reach one account.
#[derive(Debug, Clone)]
pub struct ClioConfig {
    pub region: Region,
    /// The API base, always ending in `/` so relative paths join under it.
    pub base_url: Url,
    /// `/oauth/token` on the same origin as the API base.
    pub token_url: Url,
    pub credentials: Credentials,
    /// Never send faster than this many requests per minute.
    pub rate_limit: NonZeroU32,
}

/// The whole process configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub clio: ClioConfig,
    /// State folder: audit log, plans, jobs.
    pub home: PathBuf,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests never touch the real environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let region = match get("CLIO_REGION") {
            Some(v) => Region::parse(&v)?,
            None => Region::Us,
        };
        let base_url = match get("CLIO_BASE_URL") {
            Some(v) => parse_base_url(&v)?,
            None => parse_base_url(region.base_url())?,
        };
        let rate_limit = match get("CLIO_RATE_LIMIT") {
            Some(v) => parse_rate_limit(&v)?,
            None => NonZeroU32::MIN.saturating_add(DEFAULT_RATE_LIMIT - 1),
        };
        let home = match get("CLIO_MCP_HOME") {
            Some(v) => PathBuf::from(v),
            None => dirs::data_dir()
                .map(|d| d.join("clio-mcp"))
                .ok_or(ConfigError::NoHome)?,
        };
        let secret = |name: &str| get(name).map(SecretString::from);
        let credentials = Credentials {
            access_token: secret("CLIO_ACCESS_TOKEN"),
            refresh_token: secret("CLIO_REFRESH_TOKEN"),
            client_id: get("CLIO_CLIENT_ID"),
            client_secret: secret("CLIO_CLIENT_SECRET"),
        };
        let token_url = token_url_for(&base_url)?;
        Ok(Config {
            clio: ClioConfig {
                region,
                base_url,
                token_url,
                credentials,
                rate_limit,
            },
            home,
        })
    }
}

/// Parses an API base URL and normalises it to end in `/`.
pub fn parse_base_url(value: &str) -> Result<Url, ConfigError> {
    let bad = |reason: &str| ConfigError::BadBaseUrl {
        value: shown(value),
        reason: reason.to_string(),
    };
    let mut url = Url::parse(value.trim()).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none() {
        return Err(bad("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not carry a query or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `/oauth/token` on the origin of the API base.
pub fn token_url_for(base_url: &Url) -> Result<Url, ConfigError> {
    base_url
        .join("/oauth/token")
        .map_err(|e| ConfigError::BadBaseUrl {
            value: base_url.to_string(),
            reason: e.to_string(),
        })
}

fn parse_rate_limit(value: &str) -> Result<NonZeroU32, ConfigError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or_else(|| ConfigError::BadRateLimit {
            value: shown(value),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_to_us_region_and_fifty_per_minute() {
        let c = config(&[("CLIO_MCP_HOME", "/tmp/x")]).unwrap();
        assert_eq!(c.clio.base_url.as_str(), "https://app.clio.com/api/v4/");
        assert_eq!(
            c.clio.token_url.as_str(),
            "https://app.clio.com/oauth/token"
        );
        assert_eq!(c.clio.rate_limit.get(), 50);
        assert_eq!(c.home, PathBuf::from("/tmp/x"));
    }

    #[test]
    fn region_picks_its_host() {
        let c = config(&[("CLIO_REGION", "CA"), ("CLIO_MCP_HOME", "/h")]).unwrap();
        assert_eq!(c.clio.region, Region::Ca);
        assert_eq!(c.clio.base_url.as_str(), "https://ca.app.clio.com/api/v4/");
        assert_eq!(
            c.clio.token_url.as_str(),
            "https://ca.app.clio.com/oauth/token"
        );
    }

    #[test]
    fn base_url_overrides_region_and_token_url_follows_its_origin() {
        let c = config(&[
            ("CLIO_REGION", "eu"),
            ("CLIO_BASE_URL", "http://127.0.0.1:4010/api/v4"),
            ("CLIO_MCP_HOME", "/h"),
        ])
        .unwrap();
        assert_eq!(c.clio.base_url.as_str(), "http://127.0.0.1:4010/api/v4/");
        assert_eq!(
            c.clio.token_url.as_str(),
            "http://127.0.0.1:4010/oauth/token"
        );
    }

    #[test]
    fn unknown_region_is_a_clear_error() {
        let err = config(&[("CLIO_REGION", "uk")]).unwrap_err();
        assert!(matches!(err, ConfigError::UnknownRegion { .. }));
        assert!(err.to_string().contains("us, ca, eu, au"));
    }

    #[test]
    fn non_http_base_url_is_refused() {
        for bad in [
            "ftp://clio.example/api/v4",
            "not a url",
            "file:///etc/passwd",
        ] {
            let err = config(&[("CLIO_BASE_URL", bad)]).unwrap_err();
            assert!(
                matches!(err, ConfigError::BadBaseUrl { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn zero_or_garbage_rate_limit_is_refused() {
        for bad in ["0", "-5", "fast", "1.5"] {
            let err = config(&[("CLIO_RATE_LIMIT", bad)]).unwrap_err();
            assert!(err.to_string().contains("at least 1"), "{bad}: {err}");
        }
        let ok = config(&[("CLIO_RATE_LIMIT", " 600 "), ("CLIO_MCP_HOME", "/h")]).unwrap();
        assert_eq!(ok.clio.rate_limit.get(), 600);
    }

    #[test]
    fn approval_threshold_defaults_and_refuses_garbage() {
        let none = |_: &str| None;
        assert_eq!(approval_threshold(none, 25), Ok(25));
        let set = |v: &'static str| move |_: &str| Some(v.to_string());
        assert_eq!(approval_threshold(set(" 0 "), 25), Ok(0));
        let err = approval_threshold(set("many"), 25).unwrap_err();
        assert!(err.to_string().contains("whole number"), "{err}");
        assert!(approval_threshold(set("-1"), 25).is_err());
    }

    #[test]
    fn a_bad_value_is_repeated_short_and_clean() {
        let long = format!("\u{202e}{}\u{7}", "z".repeat(10_000));
        for var in ["CLIO_REGION", "CLIO_BASE_URL", "CLIO_RATE_LIMIT"] {
            let text = config(&[(var, &long)]).unwrap_err().to_string();
            assert!(text.contains(var), "{text}");
            assert!(text.matches('z').count() < 80, "{var}: {}", text.len());
            assert!(
                !text.contains('\u{202e}') && !text.contains('\u{7}'),
                "{text:?}"
            );
        }
        let lookup = |_: &str| Some(long.clone());
        let text = approval_threshold(lookup, 25).unwrap_err().to_string();
        assert!(
            text.contains("CLIO_MCP_APPROVAL_THRESHOLD") && text.len() < 400,
            "{text}"
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let c = config(&[
            ("CLIO_ACCESS_TOKEN", "tok-SECRET-123"),
            ("CLIO_CLIENT_SECRET", "cs-SECRET-456"),
            ("CLIO_MCP_HOME", "/h"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        let token = c.clio.credentials.access_token.unwrap();
        assert_eq!(token.expose_secret(), "tok-SECRET-123");
    }
}

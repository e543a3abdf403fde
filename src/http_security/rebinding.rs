//! The DNS-rebinding guard: the exact `Host` and `Origin` values a server bound to one address
//! accepts, matching scheme, host and port (rmcp's own check lets a portless entry match any
//! port, so `127.0.0.1` would also admit `127.0.0.1:1`).
//!
//! - `Host` names a loopback name (`localhost`, `127.0.0.1`, `[::1]`) or the bound address
//!   with the bound port. Without a port it means port 80, so it is accepted only when the
//!   server is bound to port 80.
//! - An `--allow-host name` entry is accepted with the bound port, or with no port at all: a
//!   reverse proxy forwards the public name without its default port (80 or 443).
//! - An `--allow-host name:port` entry is accepted with that port only, or without a port when
//!   that port is 80 or 443 (the default ports a portless `Host` stands for).
//! - `Origin`, when present, must equal the server's own origin (`http://` + a loopback name
//!   or the bound address + `:port`) or an `--allow-origin` entry in scheme, host and port; a
//!   missing port is the scheme's default (80 for http, 443 for https), as RFC 6454 has it.
//!   A request without `Origin` (not from a browser) passes.

use std::net::{Ipv6Addr, SocketAddr};

const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Why a request was refused; its text is the whole 403 body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Forbidden: Host header is not allowed")]
    Host,
    #[error("Forbidden: Origin header is not allowed")]
    Origin,
}

/// One host name accepted in `Host`, with its port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostRule {
    name: String,
    port: u16,
    /// Whether the name without a port is accepted too.
    portless: bool,
}

/// An origin as compared: lower-case scheme and host, the port made explicit where the scheme
/// has a default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

/// The Host and Origin values accepted by a server bound to one address.
#[derive(Debug, Clone)]
pub struct RebindingGuard {
    hosts: Vec<HostRule>,
    origins: Vec<Origin>,
}

impl RebindingGuard {
    /// The guard for a server bound to `addr`, with the `--allow-host` and `--allow-origin`
    /// entries. An entry that does not parse matches nothing (`HttpSecurity::check_bind`
    /// refuses such a configuration before start-up).
    pub fn new(addr: SocketAddr, extra_hosts: &[String], extra_origins: &[String]) -> Self {
        let bound = addr.port();
        let mut own: Vec<String> = LOOPBACK_NAMES.iter().map(|n| n.to_string()).collect();
        let ip = addr.ip().to_string();
        if !addr.ip().is_unspecified() && !own.contains(&ip) {
            own.push(ip);
        }
        let mut hosts: Vec<HostRule> = own
            .iter()
            .map(|name| HostRule {
                name: name.clone(),
                port: bound,
                portless: bound == 80,
            })
            .collect();
        hosts.extend(extra_hosts.iter().filter_map(|entry| {
            let (name, port) = parse_host_entry(entry)?;
            Some(match port {
                None => HostRule {
                    name,
                    port: bound,
                    portless: true,
                },
                Some(port) => HostRule {
                    name,
                    port,
                    portless: port == 80 || port == 443,
                },
            })
        }));
        let mut origins: Vec<Origin> = own
            .into_iter()
            .map(|host| Origin {
                scheme: "http".into(),
                host,
                port: Some(bound),
            })
            .collect();
        origins.extend(extra_origins.iter().filter_map(|o| parse_origin(o)));
        RebindingGuard { hosts, origins }
    }

    /// Accepts a `Host` value (or an HTTP/2 `:authority`) only when it names an allowed host
    /// with its port exactly; a missing one is refused.
    pub fn check_host(&self, host: Option<&str>) -> Result<(), Refusal> {
        let (name, port) = host.and_then(parse_authority).ok_or(Refusal::Host)?;
        let allowed = self.hosts.iter().any(|rule| {
            rule.name == name
                && match port {
                    Some(port) => port == rule.port,
                    None => rule.portless,
                }
        });
        allowed.then_some(()).ok_or(Refusal::Host)
    }

    /// Accepts a request without `Origin`, or one whose `Origin` equals an allowed origin.
    pub fn check_origin(&self, origin: Option<&str>) -> Result<(), Refusal> {
        let Some(origin) = origin else {
            return Ok(());
        };
        let origin = parse_origin(origin).ok_or(Refusal::Origin)?;
        self.origins
            .contains(&origin)
            .then_some(())
            .ok_or(Refusal::Origin)
    }
}

/// An `--allow-host` entry: `name`, `name:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address.
pub fn parse_host_entry(entry: &str) -> Option<(String, Option<u16>)> {
    match entry.trim().parse::<Ipv6Addr>() {
        Ok(ip) => Some((ip.to_string(), None)),
        Err(_) => parse_authority(entry.trim()),
    }
}

/// `host[:port]` as in a `Host` header: a lower-cased name (an IPv6 address without its
/// brackets) and the port if one is given. `None` for anything else, such as a port that is
/// not a plain decimal number (`127.0.0.1:8787.evil.example`).
pub fn parse_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let (name, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (ip, after) = rest.split_once(']')?;
            let ip: Ipv6Addr = ip.parse().ok()?;
            (ip.to_string(), after)
        }
        None => {
            let (name, after) = match authority.find(':') {
                Some(at) => authority.split_at(at),
                None => (authority, ""),
            };
            let name_ok = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
            if !name_ok {
                return None;
            }
            (name.to_ascii_lowercase(), after)
        }
    };
    let port = match port {
        "" => None,
        p => Some(parse_port(p.strip_prefix(':')?)?),
    };
    Some((name, port))
}

/// A port exactly as written in decimal: no sign, no leading zero, no other characters.
fn parse_port(port: &str) -> Option<u16> {
    let value: u16 = port.parse().ok()?;
    (port.bytes().all(|b| b.is_ascii_digit()) && value.to_string() == port).then_some(value)
}

/// `scheme://host[:port]` as in an `Origin` header, with no path, user or query; `null` and
/// anything else are `None`.
pub fn parse_origin(origin: &str) -> Option<Origin> {
    let (scheme, authority) = origin.trim().split_once("://")?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let (host, port) = parse_authority(authority)?;
    let port = port.or(match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    });
    Some(Origin { scheme, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(addr: &str, hosts: &[&str], origins: &[&str]) -> RebindingGuard {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        RebindingGuard::new(addr.parse().unwrap(), &strings(hosts), &strings(origins))
    }

    #[test]
    fn host_needs_the_bound_port_and_a_portless_host_means_80() {
        let g = guard("127.0.0.1:8787", &[], &[]);
        for ok in [
            "127.0.0.1:8787",
            "localhost:8787",
            "[::1]:8787",
            "[0:0::1]:8787",
        ] {
            assert_eq!(g.check_host(Some(ok)), Ok(()), "{ok}");
        }
        for bad in [
            "127.0.0.1",
            "127.0.0.1:1",
            "127.0.0.1:8787.evil.example",
            "127.0.0.1:+8787",
            "127.0.0.1:08787",
            "127.0.0.1:8787 ",
            "[::1]8787",
            "::1:8787",
            "evil.example:8787",
            "",
        ] {
            assert_eq!(g.check_host(Some(bad)), Err(Refusal::Host), "{bad}");
        }
        assert_eq!(g.check_host(None), Err(Refusal::Host));
        let on_80 = guard("127.0.0.1:80", &[], &[]);
        assert_eq!(on_80.check_host(Some("localhost")), Ok(()));
        assert_eq!(on_80.check_host(Some("localhost:80")), Ok(()));
    }

    #[test]
    fn the_bound_address_counts_but_a_wildcard_does_not() {
        let g = guard("10.0.0.5:9000", &[], &[]);
        assert_eq!(g.check_host(Some("10.0.0.5:9000")), Ok(()));
        assert_eq!(g.check_origin(Some("http://10.0.0.5:9000")), Ok(()));
        let any = guard("0.0.0.0:9000", &[], &[]);
        assert_eq!(any.check_host(Some("0.0.0.0:9000")), Err(Refusal::Host));
        assert_eq!(any.check_host(Some("localhost:9000")), Ok(()));
    }

    #[test]
    fn extra_hosts_with_and_without_a_port() {
        let g = guard(
            "127.0.0.1:8787",
            &["MCP.example.com", "p.example:443", "::2"],
            &[],
        );
        for ok in [
            "mcp.example.com",
            "mcp.example.com:8787",
            "p.example:443",
            "p.example",
            "[::2]:8787",
        ] {
            assert_eq!(g.check_host(Some(ok)), Ok(()), "{ok}");
        }
        for bad in ["mcp.example.com:443", "p.example:8787", "x.mcp.example.com"] {
            assert_eq!(g.check_host(Some(bad)), Err(Refusal::Host), "{bad}");
        }
    }

    #[test]
    fn origin_matches_scheme_host_and_port_exactly() {
        let g = guard(
            "127.0.0.1:8787",
            &[],
            &["https://app.example", "chrome-extension://abc"],
        );
        assert_eq!(g.check_origin(None), Ok(()));
        for ok in [
            "http://127.0.0.1:8787",
            "http://localhost:8787",
            "http://[::1]:8787",
            "https://app.example",
            "https://app.example:443",
            "chrome-extension://abc",
        ] {
            assert_eq!(g.check_origin(Some(ok)), Ok(()), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:1",
            "http://localhost:3000",
            "https://127.0.0.1:8787",
            "http://127.0.0.1",
            "http://127.0.0.1:8787/",
            "http://u@127.0.0.1:8787",
            "http://app.example",
            "https://app.example:8443",
            "null",
            "",
        ] {
            assert_eq!(g.check_origin(Some(bad)), Err(Refusal::Origin), "{bad}");
        }
    }
}

//! Which tools a server offers: read-only mode and toolsets, decided from each tool's hints.

use std::fmt;

/// The environment variable that turns read-only mode on (`1`; `0` or empty leaves it off).
pub const READ_ONLY_ENV: &str = "CLIO_MCP_READ_ONLY";
/// The environment variable that names the toolsets to offer, comma-separated.
pub const TOOLSETS_ENV: &str = "CLIO_MCP_TOOLSETS";

/// A group of tools that can be offered or withheld together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Toolset {
    Read,
    Normalize,
    Write,
    Documents,
    Audit,
}

impl Toolset {
    /// Every toolset, in the order they are documented.
    pub const ALL: [Toolset; 5] = [
        Toolset::Read,
        Toolset::Normalize,
        Toolset::Write,
        Toolset::Documents,
        Toolset::Audit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Toolset::Read => "read",
            Toolset::Normalize => "normalize",
            Toolset::Write => "write",
            Toolset::Documents => "documents",
            Toolset::Audit => "audit",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Toolset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--toolsets` (or `CLIO_MCP_TOOLSETS`) value that names no toolset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--toolsets / {TOOLSETS_ENV}: {0:?} is not a toolset; the toolsets are read, normalize, \
     write, documents and audit (comma-separated, e.g. --toolsets read,normalize)"
)]
pub struct ToolsetError(pub String);

/// Why a tool is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The tool may change Clio and the server is read-only.
    ReadOnly,
    /// The tool's toolset is not enabled (`None`: the tool is in no toolset at all).
    Toolset(Option<Toolset>),
}

/// What a server offers. The default offers every toolset with writes allowed (what `serve`
/// does without flags); anything in doubt is withheld: a tool whose `read_only_hint` is unset
/// counts as a write, a tool in no toolset is never offered, and read-only mode wins over the
/// toolsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    read_only: bool,
    toolsets: u8,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            read_only: false,
            toolsets: Toolset::ALL.iter().fold(0, |bits, t| bits | t.bit()),
        }
    }
}

impl Gate {
    /// Every toolset, nothing that writes.
    pub fn read_only() -> Gate {
        Gate::default().with_read_only(true)
    }

    pub fn with_read_only(self, read_only: bool) -> Gate {
        Gate { read_only, ..self }
    }

    /// Only `toolsets` (still read-only when it was).
    pub fn with_toolsets(self, toolsets: &[Toolset]) -> Gate {
        Gate {
            toolsets: toolsets.iter().fold(0, |bits, t| bits | t.bit()),
            ..self
        }
    }

    /// The gate of `serve`: read-only when asked, and the toolsets of `toolsets` (a
    /// comma-separated list; `None` or empty: all of them).
    pub fn parse(read_only: bool, toolsets: Option<&str>) -> Result<Gate, ToolsetError> {
        let gate = Gate::default().with_read_only(read_only);
        let Some(list) = toolsets.filter(|l| !l.trim().is_empty()) else {
            return Ok(gate);
        };
        let mut chosen = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let toolset = Toolset::ALL
                .into_iter()
                .find(|t| t.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| ToolsetError(name.chars().take(40).collect()))?;
            chosen.push(toolset);
        }
        if chosen.is_empty() {
            return Err(ToolsetError(list.chars().take(40).collect()));
        }
        Ok(gate.with_toolsets(&chosen))
    }

    pub fn is_read_only(self) -> bool {
        self.read_only
    }

    /// Whether anything may change Clio: not read-only, and the `write` toolset offered. Jobs
    /// are resumed only then.
    pub fn allows_writes(self) -> bool {
        !self.read_only && self.enables(Toolset::Write)
    }

    pub fn enables(self, toolset: Toolset) -> bool {
        self.toolsets & toolset.bit() != 0
    }

    /// The toolsets offered, in documented order.
    pub fn toolsets(self) -> Vec<Toolset> {
        Toolset::ALL
            .into_iter()
            .filter(|t| self.enables(*t))
            .collect()
    }

    /// Whether a tool with this `read_only_hint`, in `toolset`, is offered.
    pub fn check(
        self,
        read_only_hint: Option<bool>,
        toolset: Option<Toolset>,
    ) -> Result<(), Refusal> {
        if self.read_only && read_only_hint != Some(true) {
            return Err(Refusal::ReadOnly);
        }
        match toolset {
            Some(t) if self.enables(t) => Ok(()),
            other => Err(Refusal::Toolset(other)),
        }
    }

    /// What a call to a withheld tool `tool` is answered: why, and how to change it.
    pub fn refusal_text(self, tool: &str, refusal: Refusal) -> String {
        match refusal {
            Refusal::ReadOnly => format!(
                "{tool} is not available: this clio-mcp server runs in read-only mode \
                 (--read-only or {READ_ONLY_ENV}), so nothing that can change Clio is offered. \
                 To allow it, a person restarts `clio-mcp serve` without --read-only and with \
                 {READ_ONLY_ENV} unset or 0."
            ),
            Refusal::Toolset(Some(t)) => {
                let enabled: Vec<&str> = self.toolsets().iter().map(|t| t.name()).collect();
                format!(
                    "{tool} is not available: it belongs to the `{t}` toolset, which this \
                     clio-mcp server does not offer (enabled: {}). To allow it, a person adds \
                     `{t}` to --toolsets or {TOOLSETS_ENV} and restarts `clio-mcp serve`.",
                    if enabled.is_empty() {
                        "none".to_string()
                    } else {
                        enabled.join(",")
                    }
                )
            }
            Refusal::Toolset(None) => {
                format!("{tool} is not available: it belongs to no toolset of clio-mcp.")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_offers_every_toolset_and_allows_writes() {
        let gate = Gate::default();
        assert!(!gate.is_read_only());
        assert_eq!(gate.toolsets(), Toolset::ALL);
        assert_eq!(gate.check(Some(false), Some(Toolset::Write)), Ok(()));
        assert_eq!(Gate::parse(false, None), Ok(gate));
        assert_eq!(Gate::parse(false, Some(" ")), Ok(gate));
        assert!(gate.allows_writes());
    }

    #[test]
    fn writes_are_off_in_read_only_mode_or_without_the_write_toolset() {
        assert!(!Gate::read_only().allows_writes());
        assert!(
            !Gate::default()
                .with_toolsets(&[Toolset::Read])
                .allows_writes()
        );
        assert!(
            Gate::default()
                .with_toolsets(&[Toolset::Write])
                .allows_writes()
        );
    }

    #[test]
    fn read_only_wins_over_toolsets_and_an_unset_hint_counts_as_a_write() {
        let gate = Gate::parse(true, Some("write")).unwrap();
        assert_eq!(
            gate.check(Some(false), Some(Toolset::Write)),
            Err(Refusal::ReadOnly)
        );
        assert_eq!(
            gate.check(None, Some(Toolset::Write)),
            Err(Refusal::ReadOnly)
        );
        assert_eq!(gate.check(Some(true), Some(Toolset::Write)), Ok(()));
        assert_eq!(
            gate.check(Some(true), Some(Toolset::Read)),
            Err(Refusal::Toolset(Some(Toolset::Read)))
        );
    }

    #[test]
    fn toolsets_parse_by_name_and_refuse_unknown_ones_with_the_valid_names() {
        let gate = Gate::parse(false, Some("Read, audit,")).unwrap();
        assert_eq!(gate.toolsets(), [Toolset::Read, Toolset::Audit]);
        assert_eq!(
            gate.check(Some(false), Some(Toolset::Write)),
            Err(Refusal::Toolset(Some(Toolset::Write)))
        );
        let err = Gate::parse(false, Some("read,writes")).unwrap_err();
        assert_eq!(err, ToolsetError("writes".to_string()));
        assert!(Gate::parse(false, Some(",")).is_err());
        let text = err.to_string();
        for name in [
            "read",
            "normalize",
            "write",
            "documents",
            "audit",
            "\"writes\"",
        ] {
            assert!(text.contains(name), "{name}: {text}");
        }
    }

    #[test]
    fn a_tool_in_no_toolset_is_never_offered() {
        assert_eq!(
            Gate::default().check(Some(true), None),
            Err(Refusal::Toolset(None))
        );
    }

    #[test]
    fn refusals_say_why_and_how_to_change_it() {
        let gate = Gate::parse(false, Some("read")).unwrap();
        let text = gate.refusal_text("apply_plan", Refusal::Toolset(Some(Toolset::Write)));
        assert!(text.contains("`write` toolset"), "{text}");
        assert!(text.contains("enabled: read"), "{text}");
        assert!(text.contains(TOOLSETS_ENV), "{text}");
        let text = gate.refusal_text("apply_plan", Refusal::ReadOnly);
        assert!(text.contains("read-only mode"), "{text}");
        assert!(text.contains(READ_ONLY_ENV), "{text}");
    }
}

//! The one table of which toolset each tool belongs to, and the router a gate leaves.

use std::collections::HashMap;
use std::sync::Arc;

use rmcp::handler::server::tool::ToolRouter;

use crate::gate::{Gate, Toolset};
use crate::handler::ClioMcpServer;

/// Every tool and its toolset; a tool missing here is never offered (a test checks that every
/// tool of [`super::router`] is here exactly once).
pub const TOOLSETS: &[(&str, Toolset)] = &[
    ("list_custom_fields", Toolset::Read),
    ("find_matters", Toolset::Read),
    ("read_matter_fields", Toolset::Read),
    ("rate_limit_status", Toolset::Read),
    ("propose_normalization", Toolset::Normalize),
    ("get_plan", Toolset::Normalize),
    ("propose_rollback", Toolset::Normalize),
    ("apply_custom_field", Toolset::Write),
    ("apply_plan", Toolset::Write),
    ("job_status", Toolset::Write),
    ("cancel_job", Toolset::Write),
    ("upload_document", Toolset::Documents),
    ("list_documents", Toolset::Documents),
    ("audit_log", Toolset::Audit),
];

/// The toolset of the tool named `tool`, if it has one.
pub fn toolset_of(tool: &str) -> Option<Toolset> {
    TOOLSETS
        .iter()
        .find(|(name, _)| *name == tool)
        .map(|(_, set)| *set)
}

/// The tools `gate` offers, and for each tool it withholds the text a call to it is answered.
pub struct Gated {
    pub router: ToolRouter<ClioMcpServer>,
    pub refusals: Arc<HashMap<String, String>>,
}

/// Every tool's router with the tools `gate` withholds taken out: read-only mode is decided
/// by each tool's `read_only_hint`, never by a list of names.
pub fn gated(gate: Gate) -> Gated {
    let mut router = super::router();
    let mut refusals = HashMap::new();
    let withheld: Vec<(String, String)> = router
        .map
        .values()
        .filter_map(|route| {
            let name = route.attr.name.as_ref();
            let hint = route
                .attr
                .annotations
                .as_ref()
                .and_then(|a| a.read_only_hint);
            gate.check(hint, toolset_of(name))
                .err()
                .map(|why| (name.to_string(), gate.refusal_text(name, why)))
        })
        .collect();
    for (name, text) in withheld {
        router.remove_route(&name);
        refusals.insert(name, text);
    }
    Gated {
        router,
        refusals: Arc::new(refusals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_tool_of_the_router_is_in_exactly_one_toolset() {
        for tool in super::super::router().list_all() {
            let count = TOOLSETS.iter().filter(|(n, _)| *n == tool.name).count();
            assert_eq!(count, 1, "{} must be in exactly one toolset", tool.name);
        }
    }

    #[test]
    fn every_name_in_the_table_is_a_tool() {
        let tools: BTreeSet<String> = super::super::router()
            .list_all()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect();
        for (name, _) in TOOLSETS {
            assert!(
                tools.contains(*name),
                "{name} is in the toolset table but is no tool"
            );
        }
    }

    #[test]
    fn read_only_keeps_exactly_the_tools_hinted_read_only() {
        let gated = gated(Gate::read_only());
        for tool in super::super::router().list_all() {
            let read_only = tool.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true);
            assert_eq!(
                gated.router.has_route(&tool.name),
                read_only,
                "{}",
                tool.name
            );
            assert_eq!(gated.refusals.contains_key(tool.name.as_ref()), !read_only);
        }
    }
}

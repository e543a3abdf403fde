//! The committed contracts (`tools/*.json`, `mcp-manifest.json`) match the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;

use clio_mcp::handler::ClioMcpServer;
use serde_json::Value;

const REGENERATE: &str = "run `cargo run -- tools export tools/` and commit the result";

#[test]
fn tool_contract_files_match_the_server() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools");
    let expected = clio_mcp::tools::contract::contracts().unwrap();
    for (name, text) in &expected {
        let path = dir.join(name);
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing: {REGENERATE}", path.display()));
        assert!(
            on_disk == *text,
            "{} differs from the server's tool: {REGENERATE}",
            path.display()
        );
    }
    let wanted: BTreeSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            !name.ends_with(".json") || wanted.contains(name.as_str()),
            "tools/{name} is not a tool of the server any more: {REGENERATE}"
        );
    }
}

#[test]
fn contracts_are_pretty_sorted_and_end_with_a_newline() {
    for (name, text) in clio_mcp::tools::contract::contracts().unwrap() {
        assert!(text.ends_with("}\n"), "{name}");
        let value: Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{name}");
        for key in ["name", "title", "description", "inputSchema", "annotations"] {
            assert!(value.get(key).is_some(), "{name} lacks {key}");
        }
        // A tool without an output schema of its own answers as another tool does, and says so.
        if value.get("outputSchema").is_none() {
            let description = value["description"].as_str().unwrap();
            assert!(
                description.contains("as job_status") || description.contains("as get_plan"),
                "{name} has no outputSchema and does not say whose answer it gives"
            );
        }
    }
}

fn manifest() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("mcp-manifest.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn manifest_is_valid_against_the_mcp_manifest_v1_schema() {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mcp-manifest-v1.0.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let manifest = manifest();
    let errors: Vec<String> = validator
        .iter_errors(&manifest)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "mcp-manifest.json is invalid: {errors:#?}"
    );
}

#[test]
fn manifest_matches_the_package_and_the_server_tools() {
    let m = manifest();
    assert_eq!(m["server"]["name"], env!("CARGO_PKG_NAME"));
    assert_eq!(m["server"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["transport"], "stdio");
    assert_eq!(m["install"][0]["method"], "cargo");
    let listed: Vec<&str> = m["extensions"]["x-tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let tools = ClioMcpServer::tools();
    let served: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        listed, served,
        "update extensions.x-tools in mcp-manifest.json"
    );
    let token = m["config"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["env_var"] == "CLIO_ACCESS_TOKEN")
        .unwrap();
    assert_eq!(token["type"], "secret");
    // `clio-mcp auth login` stores a sign-in: the variable is optional and wins when set.
    assert_eq!(token["required"], false);
    // Every variable the configuration reads is described.
    for var in [
        "CLIO_REGION",
        "CLIO_BASE_URL",
        "CLIO_ACCESS_TOKEN",
        "CLIO_REFRESH_TOKEN",
        "CLIO_CLIENT_ID",
        "CLIO_CLIENT_SECRET",
        "CLIO_RATE_LIMIT",
        "CLIO_MCP_HOME",
        "CLIO_MCP_CREDENTIAL_STORE",
        "CLIO_MCP_READ_ONLY",
        "CLIO_MCP_TOOLSETS",
    ] {
        assert!(
            m["config"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["env_var"] == var),
            "{var} missing from mcp-manifest.json config"
        );
    }
    assert_eq!(m["settings_template"]["args"][0], "serve");
}

#[test]
fn the_manifest_validator_catches_a_secret_without_target() {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mcp-manifest-v1.0.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let mut m = manifest();
    m["config"][0]
        .as_object_mut()
        .unwrap()
        .remove("secret_target");
    assert!(!jsonschema::is_valid(&schema, &m));
}

#[test]
fn readme_tool_table_is_generated_from_the_contracts() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = clio_mcp::tools::contract::readme_section(&readme)
        .expect("README.md has the generated tool table markers");
    let expected = clio_mcp::tools::contract::readme_table().unwrap();
    assert_eq!(
        section, expected,
        "README.md's tool table is stale: run `cargo run -- tools export tools/` from the project root"
    );
}

#[test]
fn readme_toolset_table_is_generated_from_the_gate() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = clio_mcp::tools::contract::readme_toolsets_section(&readme)
        .expect("README.md has the generated toolset table markers");
    let expected = clio_mcp::tools::contract::toolset_table::table().unwrap();
    assert_eq!(
        section, expected,
        "README.md's toolset table is stale: run `cargo run -- tools export tools/` from the project root"
    );
}

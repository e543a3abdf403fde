//! The house stays in order: every module names only its own layer or the layers below it, no
//! two modules name each other, the fake Clio stays out of the services, every file opens with
//! its one-line job, and no file grows past about 300 lines of non-test code.
//!
//! The layers (see `src/lib.rs`): 1 faces, 2 the process, 3 services (and, beside them, the
//! sandbox), 4 the pure core and the Clio client, 5 foundations. A module is a top-level name
//! under `src/` (`plan` covers `src/plan.rs` and `src/plan/**`); what a file names is every
//! `crate::<module>` (`clio_mcp::<module>` in `main.rs`) outside its `#[cfg(test)]` part,
//! since tests may use anything.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const FACES: u8 = 1;
const PROCESS: u8 = 2;
const SERVICES: u8 = 3;
const CORE: u8 = 4;
const FOUNDATIONS: u8 = 5;

/// Every module of the crate and its layer. A new module must be placed here.
const LAYERS: &[(&str, u8)] = &[
    ("main", FACES),
    ("cli", FACES),
    ("server", FACES),
    ("tools", FACES),
    ("handler", FACES),
    ("app", PROCESS),
    ("plan", SERVICES),
    ("jobs", SERVICES),
    ("inventory", SERVICES),
    ("audit", SERVICES),
    ("auth", SERVICES),
    ("documents", SERVICES),
    ("webhooks", SERVICES),
    ("sandbox", SERVICES),
    ("normalize", CORE),
    ("clio", CORE),
    ("field_type", FOUNDATIONS),
    ("config", FOUNDATIONS),
    ("http_security", FOUNDATIONS),
    ("privacy", FOUNDATIONS),
    ("text", FOUNDATIONS),
    ("gate", FOUNDATIONS),
    ("files", FOUNDATIONS),
    ("export", FOUNDATIONS),
    ("background", FOUNDATIONS),
    ("upload_dirs", FOUNDATIONS),
];

/// The fake Clio: the faces and the process may start one; services never name it, nor it them.
const SANDBOX: &str = "sandbox";

/// Files that are tables of data, not code, and may be longer.
const DATA_FILES: &[&str] = &["src/normalize/address_data.rs"];
/// The most non-test lines a file of code may have ("about 300").
const MAX_CODE_LINES: usize = 330;

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of a file before its `#[cfg(test)]` part.
fn code_part(text: &str) -> &str {
    match text.find("\n#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    }
}

/// The module a file under `src/` belongs to: `src/plan/store/read.rs` -> `plan`.
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

/// The modules `code` names through `prefix` (`crate::` or `clio_mcp::`), `use` groups included.
fn named_modules(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::X, b}`: the first name of every item at the top of the group.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        let name: String = group[i..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        found.insert(name);
                        item_start = false;
                    }
                    _ => {}
                }
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

/// Module -> the other modules it names, read from `src/`.
fn dependencies(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let module = module_of(relative);
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let prefix = if module == "main" {
            "clio_mcp::"
        } else {
            "crate::"
        };
        let named = named_modules(code_part(&text), prefix);
        let entry = deps.entry(module.clone()).or_default();
        entry.extend(named.into_iter().filter(|n| *n != module));
    }
    deps
}

/// Everything wrong with `deps` as a house: unknown modules, arrows up the layers, the
/// sandbox mixed with services, and circles.
fn violations(deps: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut problems = Vec::new();
    for (module, named) in deps {
        let Some(own) = layer(module) else {
            problems.push(format!(
                "module `{module}` has no layer: add it to LAYERS in tests/architecture.rs"
            ));
            continue;
        };
        for other in named {
            let Some(theirs) = layer(other) else {
                problems.push(format!("`{module}` names `{other}`, which has no layer"));
                continue;
            };
            if theirs < own {
                problems.push(format!(
                    "`{module}` (layer {own}) names `{other}` (layer {theirs}), a layer above it"
                ));
            }
            let service_and_sandbox = (module == SANDBOX && own == theirs)
                || (other == SANDBOX && own == layer(SANDBOX).unwrap_or(0));
            if service_and_sandbox {
                problems.push(format!(
                    "`{module}` names `{other}`: the services and the fake Clio never name each other"
                ));
            }
        }
    }
    problems.extend(circles(deps));
    problems
}

/// Each circle of modules naming each other, once.
fn circles(deps: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    fn visit(
        node: &str,
        deps: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut BTreeSet<String>,
    ) {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut circle: Vec<String> = path[at..].to_vec();
            let first = circle.iter().min().cloned().unwrap_or_default();
            let start = circle.iter().position(|c| *c == first).unwrap_or(0);
            circle.rotate_left(start);
            circle.push(first);
            found.insert(circle.join(" -> "));
            return;
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_string());
        for next in deps.get(node).into_iter().flatten() {
            visit(next, deps, path, done, found);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut found = BTreeSet::new();
    let mut done = BTreeSet::new();
    for node in deps.keys() {
        visit(node, deps, &mut Vec::new(), &mut done, &mut found);
    }
    found
        .into_iter()
        .map(|c| format!("import circle: {c}"))
        .collect()
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_module_names_a_higher_layer_and_there_are_no_circles() {
    let deps = dependencies(&src());
    assert!(
        deps.contains_key("plan") && deps.contains_key("cli"),
        "{deps:?}"
    );
    let problems = violations(&deps);
    assert!(
        problems.is_empty(),
        "the layering eroded:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_catches_an_upward_arrow_a_circle_and_a_service_on_the_sandbox() {
    let graph = |edges: &[(&str, &str)]| {
        let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            deps.entry(a.to_string()).or_default().insert(b.to_string());
            deps.entry(b.to_string()).or_default();
        }
        deps
    };
    assert!(violations(&graph(&[("cli", "plan"), ("plan", "clio")])).is_empty());
    let up = violations(&graph(&[("clio", "plan")]));
    assert!(up.iter().any(|p| p.contains("a layer above")), "{up:?}");
    let circle = violations(&graph(&[("plan", "audit"), ("audit", "plan")]));
    assert!(
        circle
            .iter()
            .any(|p| p.contains("import circle: audit -> plan -> audit")),
        "{circle:?}"
    );
    let fake = violations(&graph(&[("plan", "sandbox")]));
    assert!(fake.iter().any(|p| p.contains("fake Clio")), "{fake:?}");
    let fake = violations(&graph(&[("sandbox", "audit")]));
    assert!(fake.iter().any(|p| p.contains("fake Clio")), "{fake:?}");
    assert!(violations(&graph(&[("app", "sandbox"), ("sandbox", "clio")])).is_empty());
    let unknown = violations(&graph(&[("cli", "mystery")]));
    assert!(
        unknown.iter().any(|p| p.contains("no layer")),
        "{unknown:?}"
    );
}

#[test]
fn use_groups_and_paths_are_both_read() {
    let code = "use crate::{plan::PlanStore, audit};\nlet x = crate::clio::ClioClient::new();\n\
                // not_crate::fake\nuse crate::{\n    files::{a, b},\n    export,\n};";
    let named = named_modules(code, "crate::");
    let expected: BTreeSet<String> = ["audit", "clio", "export", "files", "plan"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(named, expected);
}

#[test]
fn every_file_opens_with_its_job_and_stays_small() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    for file in files {
        let name = file.strip_prefix(root).unwrap().display().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        if !text.starts_with("//! ") {
            problems.push(format!("{name} does not open with a one-line `//!` job"));
        }
        let lines = code_part(&text).lines().count();
        if lines > MAX_CODE_LINES && !DATA_FILES.contains(&name.as_str()) {
            problems.push(format!(
                "{name} has {lines} lines of non-test code (at most {MAX_CODE_LINES}): split it by concept"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The one way out: only the Clio client (`src/clio/`) makes HTTP requests, so no value goes to
/// any other host (a model provider included); the normalization rules do no I/O at all. The
/// sandbox is the fake Clio, not clio-mcp: like Clio it sends webhook deliveries, to loopback only.
#[test]
fn only_the_clio_client_speaks_http_and_the_rules_do_no_io() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    for file in files {
        let name = file.strip_prefix(root).unwrap().display().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        let code = code_part(&text);
        let in_client = name == "src/clio.rs" || name.starts_with("src/clio/");
        let in_fake_clio = name == "src/sandbox/hook_send.rs";
        if code.contains("reqwest::") && !in_client && !in_fake_clio {
            problems.push(format!("{name} names reqwest outside the Clio client"));
        }
        if name == "src/normalize.rs" || name.starts_with("src/normalize/") {
            for io in [
                "std::net",
                "tokio",
                "std::fs",
                "std::process",
                "reqwest",
                "crate::clio",
            ] {
                if code.contains(io) {
                    problems.push(format!("{name} names {io}: the rules do no I/O"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

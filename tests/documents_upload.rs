//! Uploading documents through `upload_document` and `clio-mcp documents`, on the sandbox:
//! visible with id, size and SHA-256; idempotent; the folder guard; multipart; expired URLs;
//! retried completion; a failure after registration finished by `documents finish`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use base64::Engine;
use clio_mcp::app::{SANDBOX_MATTERS, open_state, sandbox_account_dir};
use clio_mcp::clio::{ClioClient, RetryPolicy};
use clio_mcp::handler::ServerSettings;
use clio_mcp::sandbox::{Faults, Sandbox, SandboxOptions};
use clio_mcp::upload_dirs::UploadDirs;
use rmcp::ServiceExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

mod common;

use common::cli::{clio, text};
use common::{Harness, RATE, call, error_text};

/// A server on a sandbox whose account lives where `--sandbox` commands find it
/// (`<home>/sandbox/account`), uploads allowed under `allowed`.
async fn start(allowed: &[&Path], threshold: Option<u64>) -> Harness {
    start_in(tempfile::tempdir().unwrap(), allowed, threshold).await
}

/// A server whose uploads may read anywhere under its own state folder's parent.
async fn start_allowing_home() -> Harness {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().to_path_buf();
    start_in(home, &[&root], None).await
}

async fn start_in(home: tempfile::TempDir, allowed: &[&Path], threshold: Option<u64>) -> Harness {
    let sandbox = Sandbox::start(SandboxOptions {
        matters: SANDBOX_MATTERS,
        rate_limit: RATE,
        state_dir: Some(sandbox_account_dir(home.path())),
        ..Default::default()
    })
    .await
    .unwrap();
    let config = sandbox.clio_config(NonZeroU32::new(RATE).unwrap()).unwrap();
    let client = ClioClient::new(&config, RetryPolicy::fast()).unwrap();
    let state = home.path().join("sandbox");
    let dirs: Vec<PathBuf> = allowed.iter().map(|p| p.to_path_buf()).collect();
    let mut services = open_state(client, &state)
        .await
        .unwrap()
        .with_upload_dirs(UploadDirs::new(&dirs, None).unwrap(), &state);
    if let Some(t) = threshold {
        services.documents = services.documents.with_multipart_threshold(t);
    }
    let server = clio_mcp::server::new(services, ServerSettings::default());
    let (server_io, client_io) = tokio::io::duplex(1024 * 1024);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let client = ().serve(client_io).await.unwrap();
    Harness {
        client,
        sandbox,
        home,
    }
}

fn out(r: &rmcp::model::CallToolResult) -> &Value {
    assert_ne!(r.is_error, Some(true), "tool error: {:?}", r.content);
    r.structured_content.as_ref().unwrap()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn matter(h: &Harness) -> u64 {
    h.sandbox.matter_ids()[0]
}

async fn listed(h: &Harness, matter: u64) -> Vec<u64> {
    let r = call(h, "list_documents", json!({"matter_id": matter})).await;
    out(&r)["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect()
}

fn audit_lines(h: &Harness) -> String {
    let dir = h.home.path().join("sandbox").join("audit");
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            all.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    all
}

#[tokio::test]
async fn an_upload_is_visible_with_id_size_and_sha256_and_a_repeat_is_already_uploaded() {
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("engagement letter.pdf");
    let bytes = b"%PDF-1.7 engagement".repeat(100);
    std::fs::write(&path, &bytes).unwrap();
    let h = start(&[files.path()], None).await;
    let m = matter(&h);
    let args = json!({"matter_id": m, "path": path.to_str().unwrap()});
    let r = call(&h, "upload_document", args.clone()).await;
    let first = out(&r).clone();
    let id = first["document_id"].as_u64().unwrap();
    assert_eq!(first["size"], bytes.len() as u64);
    assert_eq!(first["sha256"], sha(&bytes));
    assert_eq!(first["name"], "engagement letter.pdf");
    assert_eq!(first["visible"], true);
    assert_eq!(first["already_uploaded"], false);
    assert_eq!(h.sandbox.document_bytes(id).unwrap(), bytes);
    assert_eq!(listed(&h, m).await, vec![id]);
    let audit = audit_lines(&h);
    assert!(audit.contains("\"action\":\"upload-intent\""), "{audit}");
    assert!(audit.contains("\"outcome\":\"uploaded\""), "{audit}");

    let again = call(&h, "upload_document", args.clone()).await;
    assert_eq!(out(&again)["already_uploaded"], true);
    assert_eq!(out(&again)["document_id"], id);
    assert_eq!(listed(&h, m).await, vec![id]);

    let mut forced = args.clone();
    forced["force"] = json!(true);
    let r = call(&h, "upload_document", forced).await;
    let new_id = out(&r)["document_id"].as_u64().unwrap();
    assert_ne!(new_id, id);
    assert_eq!(listed(&h, m).await, vec![id, new_id]);

    // Other bytes under the same name are a new document, not "already uploaded".
    std::fs::write(&path, b"changed").unwrap();
    let r = call(&h, "upload_document", args).await;
    assert_eq!(out(&r)["already_uploaded"], false);
}

#[tokio::test]
async fn every_escape_from_the_allowed_folders_is_refused_naming_allow_dir() {
    let root = tempfile::tempdir().unwrap();
    let allowed = root.path().join("allowed");
    std::fs::create_dir(&allowed).unwrap();
    let outside = root.path().join("id_ed25519");
    std::fs::write(&outside, b"-----BEGIN OPENSSH PRIVATE KEY-----").unwrap();
    std::fs::create_dir(allowed.join(".ssh")).unwrap();
    std::fs::write(allowed.join(".ssh").join("id_ed25519"), b"key").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, allowed.join("innocent.pdf")).unwrap();
        std::fs::hard_link(&outside, allowed.join("hard.pdf")).unwrap();
    }
    // No folder allowed at all.
    let none = start(&[], None).await;
    let r = call(
        &none,
        "upload_document",
        json!({"matter_id": matter(&none), "path": outside.to_str().unwrap()}),
    )
    .await;
    let e = error_text(&r);
    assert!(
        e.contains("--allow-dir") && e.contains("CLIO_MCP_UPLOAD_DIRS"),
        "{e}"
    );

    let h = start(&[&allowed], None).await;
    let m = matter(&h);
    let outside_reason = "is outside the folders allowed for uploads";
    let mut escapes = vec![
        (allowed.join("..").join("id_ed25519"), outside_reason),
        (outside.clone(), outside_reason),
        (PathBuf::from("~/.ssh/id_ed25519"), outside_reason),
        (allowed.join(".ssh").join("id_ed25519"), "is hidden"),
        (allowed.clone(), "is a directory"),
    ];
    #[cfg(unix)]
    escapes.extend([
        (allowed.join("innocent.pdf"), outside_reason),
        (allowed.join("hard.pdf"), "has 2 hard links"),
    ]);
    for (path, reason) in escapes {
        let r = call(
            &h,
            "upload_document",
            json!({"matter_id": m, "path": path.to_str().unwrap()}),
        )
        .await;
        let e = error_text(&r);
        assert!(e.contains("--allow-dir"), "{}: {e}", path.display());
        assert!(
            e.contains(reason),
            "{}: {reason:?} not in {e}",
            path.display()
        );
    }
    // clio-mcp's own state (credentials, state database) is refused even when its home is
    // inside an allowed folder.
    let own = start_allowing_home().await;
    let creds = own.home.path().join("credentials.json");
    std::fs::write(&creds, b"{\"refresh_token\":\"x\"}").unwrap();
    let log = clio_mcp::files::state_db(&own.home.path().join("sandbox"));
    assert!(log.exists());
    for path in [creds, log] {
        let r = call(
            &own,
            "upload_document",
            json!({"matter_id": matter(&own), "path": path.to_str().unwrap()}),
        )
        .await;
        let e = error_text(&r);
        assert!(
            e.contains("clio-mcp's own state"),
            "{}: {e}",
            path.display()
        );
    }
    // Nothing was registered, nothing was audited as an intent.
    assert!(listed(&h, m).await.is_empty());
    assert!(!audit_lines(&h).contains("upload-intent"));
}

#[tokio::test]
async fn inline_content_needs_a_name_and_stays_under_two_mebibytes() {
    let h = start(&[], None).await;
    let m = matter(&h);
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let r = call(
        &h,
        "upload_document",
        json!({"matter_id": m, "content_base64": b64(b"summary"), "name": "summary.txt"}),
    )
    .await;
    let id = out(&r)["document_id"].as_u64().unwrap();
    assert_eq!(h.sandbox.document_bytes(id).unwrap(), b"summary");
    let big = vec![7u8; 2 * 1024 * 1024 + 1];
    let r = call(
        &h,
        "upload_document",
        json!({"matter_id": m, "content_base64": b64(&big), "name": "big.bin"}),
    )
    .await;
    assert!(error_text(&r).contains("2 MiB"));
    let r = call(
        &h,
        "upload_document",
        json!({"matter_id": m, "content_base64": b64(b"x")}),
    )
    .await;
    assert!(error_text(&r).contains("name"));
    let r = call(
        &h,
        "upload_document",
        json!({"matter_id": m, "content_base64": b64(b"x"), "path": "/tmp/x", "name": "x"}),
    )
    .await;
    assert!(error_text(&r).contains("exactly one"));
    let r = call(&h, "upload_document", json!({"matter_id": m})).await;
    assert!(error_text(&r).contains("exactly one"));
    let r = call(
        &h,
        "upload_document",
        json!({"matter_id": m, "content_base64": "not base64!", "name": "x"}),
    )
    .await;
    assert!(error_text(&r).contains("base64"));
}

fn big_file(dir: &Path, name: &str, len: usize) -> (PathBuf, Vec<u8>) {
    let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

#[tokio::test]
async fn above_the_threshold_the_bytes_go_in_parts_and_arrive_whole() {
    let files = tempfile::tempdir().unwrap();
    let (path, bytes) = big_file(files.path(), "scan.pdf", 12 * 1024 * 1024 + 17);
    let h = start(&[files.path()], Some(1024 * 1024)).await;
    let r = call(
        &h,
        "upload_document",
        json!({"matter_id": matter(&h), "path": path.to_str().unwrap()}),
    )
    .await;
    let id = out(&r)["document_id"].as_u64().unwrap();
    assert_eq!(h.sandbox.document_bytes(id).unwrap(), bytes);
    assert!(audit_lines(&h).contains("\"parts\":3"));
}

#[tokio::test]
async fn an_expired_signed_url_is_replaced_by_a_fresh_one() {
    let files = tempfile::tempdir().unwrap();
    let (single, single_bytes) = big_file(files.path(), "a.pdf", 1000);
    let (multi, multi_bytes) = big_file(files.path(), "b.pdf", 11 * 1024 * 1024);
    let h = start(&[files.path()], Some(6 * 1024 * 1024)).await;
    for (path, bytes) in [(single, single_bytes), (multi, multi_bytes)] {
        h.sandbox.set_faults(Faults {
            expire_put_urls: 1,
            ..Default::default()
        });
        let before = h.sandbox.stats().faults_injected;
        let r = call(
            &h,
            "upload_document",
            json!({"matter_id": matter(&h), "path": path.to_str().unwrap()}),
        )
        .await;
        let id = out(&r)["document_id"].as_u64().unwrap();
        assert_eq!(h.sandbox.document_bytes(id).unwrap(), bytes);
        assert_eq!(h.sandbox.stats().faults_injected, before + 1);
    }
}

#[tokio::test]
async fn upload_timeout_on_the_final_patch_is_retried() {
    let h = start(&[], None).await;
    h.sandbox.set_faults(Faults {
        upload_timeouts: 2,
        ..Default::default()
    });
    let content = base64::engine::general_purpose::STANDARD.encode(b"memo");
    let r = call(
        &h,
        "upload_document",
        json!({"matter_id": matter(&h), "content_base64": content, "name": "memo.txt"}),
    )
    .await;
    assert_eq!(out(&r)["visible"], true);
    assert_eq!(h.sandbox.stats().faults_injected, 2);
}

#[tokio::test]
async fn a_failure_after_registration_names_the_document_and_documents_finish_completes_it() {
    let files = tempfile::tempdir().unwrap();
    let (small, small_bytes) = big_file(files.path(), "small.pdf", 4000);
    let (multi, multi_bytes) = big_file(files.path(), "multi.pdf", 6 * 1024 * 1024);
    let h = start(&[files.path()], Some(5 * 1024 * 1024)).await;
    let m = matter(&h);
    let home = h.home.path().to_path_buf();
    let allow = files.path().to_str().unwrap().to_string();
    for (path, bytes) in [(small, small_bytes), (multi, multi_bytes)] {
        h.sandbox.set_faults(Faults {
            upload_timeouts: 100,
            ..Default::default()
        });
        let r = call(
            &h,
            "upload_document",
            json!({"matter_id": m, "path": path.to_str().unwrap()}),
        )
        .await;
        let e = error_text(&r);
        assert!(e.contains("clio-mcp documents finish"), "{e}");
        let id: u64 = e
            .split_whitespace()
            .nth(1)
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("no document id in {e}"));
        assert!(
            !listed(&h, m).await.contains(&id),
            "invisible until finished"
        );
        assert!(audit_lines(&h).contains("\"outcome\":\"unfinished\""));
        h.sandbox.set_faults(Faults::default());
        // Another process: the multipart parts held by this sandbox are not there, so the
        // bytes are sent again; the single PUT's bytes are, so only the PATCH goes.
        let finish = clio(
            &home,
            &[
                "documents",
                "--sandbox",
                "--allow-dir",
                &allow,
                "finish",
                &id.to_string(),
            ],
            &[],
        );
        assert!(finish.status.success(), "{}", text(&finish));
        assert!(String::from_utf8_lossy(&finish.stdout).contains("visible"));
        assert!(listed(&h, m).await.contains(&id));
        assert_eq!(h.sandbox.document_bytes(id).unwrap(), bytes);
        let again = clio(
            &home,
            &["documents", "--sandbox", "finish", &id.to_string()],
            &[],
        );
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("already fully uploaded"));
    }
}

#[tokio::test]
async fn the_storage_put_never_carries_the_clio_token() {
    let h = start(&[], None).await;
    // The storage host refuses a PUT with an Authorization header, so an upload that lands
    // proves none was sent; and the refusal itself is checked here.
    let content = base64::engine::general_purpose::STANDARD.encode(b"x");
    let r = call(
        &h,
        "upload_document",
        json!({"matter_id": matter(&h), "content_base64": content, "name": "x.txt"}),
    )
    .await;
    out(&r);
    let config = h
        .sandbox
        .clio_config(NonZeroU32::new(RATE).unwrap())
        .unwrap();
    let client = ClioClient::new(&config, RetryPolicy::fast()).unwrap();
    let reg = client
        .register_document(&clio_mcp::clio::documents::NewDocument {
            matter_id: matter(&h),
            name: "y.txt".into(),
            content_type: Some("text/plain".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let target = &reg.targets[0];
    let mut put = reqwest::Client::new()
        .put(&target.url)
        .bearer_auth(&h.sandbox.access_token)
        .body("y");
    for (k, v) in &target.headers {
        put = put.header(k, v);
    }
    let answer = put.send().await.unwrap();
    assert_eq!(answer.status(), 400);
}

#[tokio::test]
async fn list_documents_pages_with_next_cursor_and_the_cli_uploads_and_watches() {
    let files = tempfile::tempdir().unwrap();
    let h = start(&[], None).await;
    let m = matter(&h);
    let config = h
        .sandbox
        .clio_config(NonZeroU32::new(RATE).unwrap())
        .unwrap();
    let client = ClioClient::new(&config, RetryPolicy::fast()).unwrap();
    for i in 0..51 {
        client
            .upload_document(m, &format!("n{i}.txt"), Some("text/plain"), vec![1])
            .await
            .unwrap();
    }
    let first = call(&h, "list_documents", json!({"matter_id": m})).await;
    assert_eq!(out(&first)["documents"].as_array().unwrap().len(), 50);
    let cursor = out(&first)["next_cursor"].as_str().unwrap().to_string();
    let second = call(
        &h,
        "list_documents",
        json!({"matter_id": m, "cursor": cursor}),
    )
    .await;
    assert_eq!(out(&second)["documents"].as_array().unwrap().len(), 1);
    assert!(out(&second).get("next_cursor").is_none());
    let forged = call(
        &h,
        "list_documents",
        json!({"matter_id": m, "cursor": "abc"}),
    )
    .await;
    assert!(error_text(&forged).contains("cursor"));

    let home = h.home.path().to_path_buf();
    let (path, _) = big_file(files.path(), "cli.pdf", 300);
    let allow = files.path().to_str().unwrap();
    let m_s = m.to_string();
    let args = [
        "documents",
        "--sandbox",
        "--allow-dir",
        allow,
        "upload",
        "--matter-id",
        &m_s,
        path.to_str().unwrap(),
    ];
    let up = clio(&home, &args, &[]);
    assert!(up.status.success(), "{}", text(&up));
    assert!(String::from_utf8_lossy(&up.stdout).contains("visible"));
    // `--matter` is an alias of the issue's `--matter-id`.
    let mut alias = args;
    alias[5] = "--matter";
    let again = clio(&home, &alias, &[]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("already uploaded"),
        "{}",
        text(&again)
    );
    let refused = clio(
        &home,
        &[
            "documents",
            "--sandbox",
            "upload",
            "--matter",
            &m_s,
            path.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--allow-dir"));
    let watch = clio(
        &home,
        &[
            "documents",
            "--sandbox",
            "watch",
            "--matter",
            &m_s,
            "--once",
        ],
        &[],
    );
    assert!(watch.status.success(), "{}", text(&watch));
    let shown = String::from_utf8_lossy(&watch.stdout);
    assert_eq!(
        shown.lines().filter(|l| l.starts_with("new\t")).count(),
        52,
        "{shown}"
    );
    assert!(shown.contains("cli.pdf"));
    let later = clio(
        &home,
        &[
            "documents",
            "--sandbox",
            "watch",
            "--matter",
            &m_s,
            "--once",
            "--since",
            "2999-01-01T00:00:00Z",
        ],
        &[],
    );
    assert!(later.status.success(), "{}", text(&later));
    assert!(String::from_utf8_lossy(&later.stdout).trim().is_empty());
}

#[tokio::test]
async fn the_sandbox_refuses_parts_under_five_megabytes_but_the_last() {
    let h = start(&[], None).await;
    let config = h
        .sandbox
        .clio_config(NonZeroU32::new(RATE).unwrap())
        .unwrap();
    let client = ClioClient::new(&config, RetryPolicy::fast()).unwrap();
    let new = |parts: Vec<u64>| clio_mcp::clio::documents::NewDocument {
        matter_id: matter(&h),
        name: "p.bin".into(),
        parts,
        ..Default::default()
    };
    let err = client
        .register_document(&new(vec![1024 * 1024, 10]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at least 5 MB"), "{err}");
    let ok = client
        .register_document(&new(vec![5 * 1024 * 1024, 10]))
        .await
        .unwrap();
    assert_eq!(ok.targets.len(), 2);
    assert_eq!(ok.targets[1].part_number, Some(2));
    // Registered but never completed: invisible, as in Clio.
    assert!(client.get_document(ok.id).await.unwrap().is_none());
}

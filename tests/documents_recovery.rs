//! Uploads that went wrong half-way, on the sandbox: a lost answer to the registration is
//! never reported as "nothing was uploaded"; an unfinished upload is listed by `documents
//! pending` and resumed (not registered twice) by uploading the same bytes again; local checks
//! of `name`, `content_type` and `--since`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::num::NonZeroU32;
use std::path::Path;

use clio_mcp::app::{SANDBOX_MATTERS, open_state, sandbox_account_dir};
use clio_mcp::clio::{ClioClient, RetryPolicy};
use clio_mcp::handler::ServerSettings;
use clio_mcp::sandbox::{Faults, Sandbox, SandboxOptions};
use clio_mcp::upload_dirs::UploadDirs;
use rmcp::ServiceExt;
use serde_json::json;

mod common;

use common::cli::{clio, text};
use common::{Harness, RATE, call, error_text};

async fn start(allowed: &Path) -> Harness {
    let home = tempfile::tempdir().unwrap();
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
    let dirs = UploadDirs::new(&[allowed.to_path_buf()], None).unwrap();
    let services = open_state(client, &state)
        .await
        .unwrap()
        .with_upload_dirs(dirs, &state);
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

fn document_id(e: &str) -> u64 {
    e.split_whitespace()
        .nth(1)
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no document id in {e}"))
}

#[tokio::test]
async fn a_lost_answer_to_the_registration_is_never_reported_as_nothing_uploaded() {
    let files = tempfile::tempdir().unwrap();
    std::fs::write(files.path().join("brief.pdf"), b"brief").unwrap();
    let h = start(files.path()).await;
    let m = h.sandbox.matter_ids()[0];
    h.sandbox.set_faults(Faults {
        applied_then_error: 1.0,
        ..Default::default()
    });
    let path = files.path().join("brief.pdf");
    let r = call(
        &h,
        "upload_document",
        json!({"matter_id": m, "path": path.to_str().unwrap()}),
    )
    .await;
    let e = error_text(&r);
    assert!(!e.contains("nothing was uploaded"), "{e}");
    assert!(
        e.contains("documents finish") && e.contains("list_documents"),
        "{e}"
    );
    assert_eq!(h.sandbox.document_ids().len(), 1, "the POST was applied");
    // A clear refusal (no such matter) is: nothing was sent that changed anything.
    h.sandbox.set_faults(Faults::default());
    let r = call(
        &h,
        "upload_document",
        json!({"matter_id": 999_999_999u64, "path": path.to_str().unwrap()}),
    )
    .await;
    let e = error_text(&r);
    assert!(e.contains("nothing was uploaded"), "{e}");
}

#[tokio::test]
async fn an_unfinished_upload_is_listed_pending_and_resumed_by_the_same_upload_again() {
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("notes.txt");
    std::fs::write(&path, b"meeting notes").unwrap();
    let h = start(files.path()).await;
    let m = h.sandbox.matter_ids()[0];
    h.sandbox.set_faults(Faults {
        upload_timeouts: 100,
        ..Default::default()
    });
    let args = json!({"matter_id": m, "path": path.to_str().unwrap()});
    let e = error_text(&call(&h, "upload_document", args.clone()).await);
    let id = document_id(&e);
    let home = h.home.path().to_path_buf();
    for cmd in [
        &["documents", "--sandbox", "pending"][..],
        &["documents", "--sandbox", "finish"],
    ] {
        let listed = clio(&home, cmd, &[]);
        assert!(listed.status.success(), "{}", text(&listed));
        let stdout = String::from_utf8_lossy(&listed.stdout);
        assert!(stdout.contains(&format!("pending\t{id}\t")), "{stdout}");
        assert!(
            stdout.contains(&format!("documents finish {id}")),
            "{stdout}"
        );
    }
    h.sandbox.set_faults(Faults::default());
    let r = call(&h, "upload_document", args).await;
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    let out = r.structured_content.unwrap();
    assert_eq!(out["document_id"], id, "the same document, finished");
    assert_eq!(out["visible"], true);
    assert_eq!(h.sandbox.document_ids(), vec![id], "no second document");
    let listed = clio(&home, &["documents", "--sandbox", "pending"], &[]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("no unfinished uploads"));
    // Finishing wrote its own intent, naming the upload's first one, before its first call.
    let log = audit_lines(&h);
    let finish = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["action"] == "upload-intent" && e["detail"] == "finish")
        .unwrap_or_else(|| panic!("no finish intent in {log}"));
    assert!(finish["intent_seq"].as_u64().is_some(), "{finish}");
}

#[tokio::test]
async fn names_content_types_and_since_are_checked_locally_naming_the_argument() {
    let files = tempfile::tempdir().unwrap();
    std::fs::write(files.path().join("real.pdf"), b"x").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        files.path().join("real.pdf"),
        files.path().join("given.pdf"),
    )
    .unwrap();
    let h = start(files.path()).await;
    let m = h.sandbox.matter_ids()[0];
    let real = files.path().join("real.pdf");
    for (args, named) in [
        (json!({"name": "a/b.pdf"}), "`name`"),
        (json!({"name": "x\u{202e}fdp.exe"}), "`name`"),
        (
            json!({"content_type": "text/plain\r\nX: 1"}),
            "content_type",
        ),
    ] {
        let mut a = json!({"matter_id": m, "path": real.to_str().unwrap()});
        a.as_object_mut()
            .unwrap()
            .extend(args.as_object().unwrap().clone());
        let e = error_text(&call(&h, "upload_document", a).await);
        assert!(e.contains(named), "{e}");
    }
    assert!(h.sandbox.document_ids().is_empty(), "nothing registered");
    #[cfg(unix)]
    {
        let given = files.path().join("given.pdf");
        let r = call(
            &h,
            "upload_document",
            json!({"matter_id": m, "path": given.to_str().unwrap()}),
        )
        .await;
        assert_eq!(r.structured_content.unwrap()["name"], "given.pdf");
    }
    let home = h.home.path().to_path_buf();
    let m = m.to_string();
    let bad = clio(
        &home,
        &[
            "documents",
            "--sandbox",
            "watch",
            "--matter",
            &m,
            "--since",
            "yesterday",
            "--once",
        ],
        &[],
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--since"),
        "{}",
        text(&bad)
    );
}

#[tokio::test]
async fn a_storage_put_that_cannot_be_built_is_refused_at_once_never_retried() {
    let files = tempfile::tempdir().unwrap();
    let h = start(files.path()).await;
    let config = h
        .sandbox
        .clio_config(NonZeroU32::new(RATE).unwrap())
        .unwrap();
    let client = ClioClient::new(&config, RetryPolicy::fast()).unwrap();
    let body = clio_mcp::clio::storage::PutBody::Bytes(b"x".to_vec().into());
    let headers = vec![("X-Amz-Meta".to_string(), "a\nb".to_string())];
    let err = client
        .put_presigned("http://127.0.0.1:9/storage/x", &headers, &body)
        .await
        .unwrap_err();
    assert!(
        matches!(err, clio_mcp::clio::ClioError::Refused { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_cli_multipart_threshold_sends_a_file_above_it_in_parts() {
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("big.pdf");
    std::fs::write(&path, vec![7u8; 6 * 1024 * 1024]).unwrap();
    let h = start(files.path()).await;
    let m = h.sandbox.matter_ids()[0].to_string();
    let allow = files.path().to_str().unwrap();
    let up = clio(
        h.home.path(),
        &[
            "documents",
            "--sandbox",
            "--allow-dir",
            allow,
            "upload",
            "--matter-id",
            &m,
            path.to_str().unwrap(),
        ],
        &[("CLIO_MCP_MULTIPART_THRESHOLD_MB", "5")],
    );
    assert!(up.status.success(), "{}", text(&up));
    assert!(
        String::from_utf8_lossy(&up.stdout).contains("2 part(s)"),
        "{}",
        text(&up)
    );
}

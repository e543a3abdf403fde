//! The sandbox account kept in a state folder: every write is there for the next sandbox on
//! that folder (values, etags, value ids, creates, destroys, documents, webhooks), two at once
//! share it, a torn last journal line is cut away, another seed is refused, reset starts
//! afresh, `--sandbox` keeps its account between commands, and a `clio-mcp sandbox --state`
//! killed with SIGKILL keeps what it answered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::num::NonZeroU32;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use clio_mcp::clio::matters::VALUE_READ_FIELDS;
use clio_mcp::clio::types::Matter;
use clio_mcp::clio::writes::ValueWrite;
use clio_mcp::clio::{ApiRequest, ClioClient, Method, RetryPolicy};
use clio_mcp::sandbox::seed::{CLIENT_ADDRESS, FEE_QUOTE, MAILING_ADDRESS, OPPOSING_PARTY};
use clio_mcp::sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_clio-mcp");
/// Everything about a matter a replay must reproduce, at the API.
const ALL: &str = "id,etag,description,status,updated_at,custom_field_values{id,etag,value,created_at,updated_at,custom_field}";

async fn on(dir: &Path, matters: u32, seed: u64) -> std::io::Result<Sandbox> {
    Sandbox::start(SandboxOptions {
        matters,
        seed,
        rate_limit: 100_000,
        state_dir: Some(dir.to_path_buf()),
        ..Default::default()
    })
    .await
}

fn client(sb: &Sandbox) -> ClioClient {
    let config = sb.clio_config(NonZeroU32::new(100_000).unwrap()).unwrap();
    ClioClient::new(&config, RetryPolicy::fast()).unwrap()
}

/// Open matters with a value for `with` and none for `without` (0 for no condition).
fn matters_where(sb: &Sandbox, with: u64, without: u64) -> Vec<u64> {
    let forbidden = sb.forbidden_matters();
    sb.matter_ids()
        .into_iter()
        .filter(|id| !forbidden.contains(id))
        .filter(|id| with == 0 || sb.value(*id, with).is_some())
        .filter(|id| without == 0 || sb.value(*id, without).is_none())
        .collect()
}

async fn read(c: &ClioClient, id: u64) -> Matter {
    c.get_matter(id, VALUE_READ_FIELDS).await.unwrap()
}

fn value_id(m: &Matter, definition: u64) -> String {
    m.custom_field_values
        .as_ref()
        .unwrap()
        .iter()
        .find(|v| v.definition_id() == Some(definition))
        .and_then(|v| v.id.clone())
        .unwrap()
}

/// Reads matter `id`, then writes what `make` builds from that read.
async fn write(c: &ClioClient, id: u64, make: impl FnOnce(&Matter) -> ValueWrite) -> Matter {
    let m = read(c, id).await;
    c.write_custom_field_values(&m, &[make(&m)], VALUE_READ_FIELDS)
        .await
        .unwrap()
}

/// What the API shows of some matters, the documents and the webhooks.
async fn snapshot(c: &ClioClient, ids: &[u64]) -> Vec<Value> {
    let mut out = Vec::new();
    for id in ids {
        let r = ApiRequest::get(format!("matters/{id}.json")).query("fields", ALL);
        out.push(c.send(r).await.unwrap().body);
    }
    for (path, fields) in [
        (
            "documents.json",
            "id,etag,name,created_at,latest_document_version{uuid,fully_uploaded,size}",
        ),
        ("webhooks.json", "id,etag,url,events,expires_at,created_at"),
    ] {
        let r = ApiRequest::get(path).query("fields", fields);
        out.push(c.send(r).await.unwrap().body);
    }
    out
}

fn journal_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("journal.jsonl"))
        .unwrap()
        .lines()
        .count()
}

#[tokio::test]
async fn every_write_is_there_for_the_next_sandbox_on_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let a = on(dir.path(), 60, 3).await.unwrap();
    let c = client(&a);
    let mut taken = Vec::new();
    let mut pick = |with, without| {
        let id = matters_where(&a, with, without)
            .into_iter()
            .find(|id| !taken.contains(id))
            .unwrap();
        taken.push(id);
        id
    };
    let updated = pick(CLIENT_ADDRESS, 0);
    let created = pick(0, FEE_QUOTE);
    let destroyed = pick(MAILING_ADDRESS, 0);
    let edited = pick(OPPOSING_PARTY, 0);
    write(&c, updated, |m| {
        ValueWrite::set(m, CLIENT_ADDRESS, json!("1 PERSISTED WAY"))
    })
    .await;
    let after_create = write(&c, created, |m| {
        ValueWrite::set(m, FEE_QUOTE, json!("2500"))
    })
    .await;
    write(&c, destroyed, |m| {
        ValueWrite::clear(m, MAILING_ADDRESS).unwrap()
    })
    .await;
    let m = read(&c, updated).await;
    let rename = ApiRequest::new(Method::PATCH, format!("matters/{updated}.json"))
        .json(json!({"data": {"description": "Persisted v. Journal", "status": "pending"}}))
        .if_match(m.etag.unwrap());
    c.send(rename).await.unwrap();
    let bytes = b"%PDF-1.4 kept across processes".to_vec();
    let doc = c
        .upload_document(updated, "kept.pdf", Some("application/pdf"), bytes.clone())
        .await
        .unwrap();
    let hook = ApiRequest::new(Method::POST, "webhooks.json")
        .query("fields", "id")
        .json(json!({"data": {"url": "https://hooks.example/clio", "model": "matter", "fields": "id"}}));
    let hook_id = c.send(hook).await.unwrap().body["data"]["id"].clone();
    assert!(a.edit_behind_the_back(edited, OPPOSING_PARTY, json!("Someone Else")));
    let ids = [updated, created, destroyed, edited];
    let before = snapshot(&c, &ids).await;
    // Three value PATCHes and a rename, three document calls, a webhook and the edit.
    assert_eq!(a.stats().journal_lines, 9);
    assert_eq!(journal_lines(dir.path()), 9);
    a.stop().await;

    let b = on(dir.path(), 60, 3).await.unwrap();
    let c = client(&b);
    assert_eq!(
        snapshot(&c, &ids).await,
        before,
        "etags, ids and times replayed"
    );
    assert_eq!(
        b.value(updated, CLIENT_ADDRESS),
        Some(json!("1 PERSISTED WAY"))
    );
    assert_eq!(b.value(created, FEE_QUOTE), Some(json!("2500")));
    assert_eq!(b.value(destroyed, MAILING_ADDRESS), None);
    assert_eq!(b.value(edited, OPPOSING_PARTY), Some(json!("Someone Else")));
    assert_eq!(b.document_bytes(doc.id), Some(bytes));
    assert_eq!(before[5]["data"][0]["id"], hook_id);
    // The counters carried on: new records get new ids, never one given out before.
    let old_number = value_id(&after_create, FEE_QUOTE);
    let next = matters_where(&b, 0, FEE_QUOTE)[0];
    let again = write(&c, next, |m| ValueWrite::set(m, FEE_QUOTE, json!("10"))).await;
    let number = |id: &str| id.rsplit('-').next().unwrap().parse::<u64>().unwrap();
    assert_eq!(
        number(&value_id(&again, FEE_QUOTE)),
        number(&old_number) + 1
    );
    let doc2 = c
        .upload_document(next, "next.pdf", None, vec![1, 2, 3])
        .await
        .unwrap();
    assert!(doc2.id > doc.id);
}

#[tokio::test]
async fn two_sandboxes_on_one_folder_share_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let a = on(dir.path(), 30, 1).await.unwrap();
    let b = on(dir.path(), 30, 1).await.unwrap();
    let (ca, cb) = (client(&a), client(&b));
    let id = matters_where(&a, CLIENT_ADDRESS, 0)[0];
    let m = read(&ca, id).await;
    let update = |v: &'static str| move |m: &Matter| ValueWrite::set(m, CLIENT_ADDRESS, json!(v));
    write(&ca, id, update("FROM A")).await;
    assert_eq!(b.value(id, CLIENT_ADDRESS), Some(json!("FROM A")));
    // B's stale etag is refused, as Clio refuses another user's.
    let stale = cb
        .write_custom_field_values(&m, &[update("STALE")(&m)], "id")
        .await
        .unwrap_err();
    assert!(stale.is_precondition_failed(), "{stale}");
    write(&cb, id, update("FROM B")).await;
    assert_eq!(a.value(id, CLIENT_ADDRESS), Some(json!("FROM B")));
    assert_eq!(read(&ca, id).await.etag, read(&cb, id).await.etag);
}

#[tokio::test]
async fn a_torn_last_journal_line_is_ignored_and_cut_away() {
    let dir = tempfile::tempdir().unwrap();
    let a = on(dir.path(), 20, 1).await.unwrap();
    let c = client(&a);
    let id = matters_where(&a, CLIENT_ADDRESS, 0)[0];
    write(&c, id, |m| {
        ValueWrite::set(m, CLIENT_ADDRESS, json!("ANSWERED"))
    })
    .await;
    a.stop().await;
    let journal = dir.path().join("journal.jsonl");
    let whole = std::fs::read(&journal).unwrap();
    // A process killed in the middle of appending: half a line, never answered.
    let mut torn = whole.clone();
    torn.extend_from_slice(br#"{"matters":[{"id":1000001,"description":"never ans"#);
    std::fs::write(&journal, &torn).unwrap();

    let b = on(dir.path(), 20, 1).await.unwrap();
    assert_eq!(b.value(id, CLIENT_ADDRESS), Some(json!("ANSWERED")));
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        whole,
        "the torn line is cut away"
    );
    write(&client(&b), id, |m| {
        ValueWrite::set(m, CLIENT_ADDRESS, json!("AFTER"))
    })
    .await;
    b.stop().await;
    let c = on(dir.path(), 20, 1).await.unwrap();
    assert_eq!(c.value(id, CLIENT_ADDRESS), Some(json!("AFTER")));
    assert_eq!(journal_lines(dir.path()), 2);
    c.stop().await;

    // A complete line that is not a change is damage, not a torn write: refuse, name reset.
    let mut damaged = std::fs::read(&journal).unwrap();
    damaged.extend_from_slice(b"not json\n");
    std::fs::write(&journal, damaged).unwrap();
    let err = on(dir.path(), 20, 1).await.err().unwrap().to_string();
    assert!(err.contains("damaged") && err.contains("line 3"), "{err}");
    assert!(err.contains("clio-mcp sandbox reset"), "{err}");
}

#[tokio::test]
async fn a_folder_made_with_another_seed_is_refused_until_reset() {
    let dir = tempfile::tempdir().unwrap();
    on(dir.path(), 20, 1).await.unwrap().stop().await;
    for (matters, seed) in [(20, 2), (30, 1)] {
        let err = on(dir.path(), matters, seed)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("20 matters and seed 1")
                && err.contains(&format!("{matters} matters and seed {seed}")),
            "{err}"
        );
        assert!(err.contains("clio-mcp sandbox reset"), "{err}");
    }
    assert!(Sandbox::reset(dir.path()).unwrap());
    assert!(!dir.path().exists(), "an emptied folder goes too");
    assert!(!Sandbox::reset(dir.path()).unwrap());
    on(dir.path(), 20, 2).await.unwrap().stop().await;
}

#[tokio::test]
async fn reset_starts_the_account_afresh_from_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = Sandbox::start(SandboxOptions {
        matters: 20,
        rate_limit: 100_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let id = matters_where(&fresh, CLIENT_ADDRESS, 0)[0];
    let seeded = read(&client(&fresh), id).await;
    let a = on(dir.path(), 20, 1).await.unwrap();
    let c = client(&a);
    assert!(value_id(&seeded, CLIENT_ADDRESS).starts_with("text_line-"));
    write(&c, id, |m| {
        ValueWrite::set(m, CLIENT_ADDRESS, json!("CHANGED"))
    })
    .await;
    a.stop().await;
    assert!(Sandbox::reset(dir.path()).unwrap());
    let b = on(dir.path(), 20, 1).await.unwrap();
    let again = read(&client(&b), id).await;
    assert_eq!(again.etag, seeded.etag);
    assert_eq!(b.value(id, CLIENT_ADDRESS), fresh.value(id, CLIENT_ADDRESS));
}

#[tokio::test]
async fn a_journaled_patch_stays_fast() {
    let dir = tempfile::tempdir().unwrap();
    let mut means = Vec::new();
    for state in [None, Some(dir.path().to_path_buf())] {
        let sb = Sandbox::start(SandboxOptions {
            matters: 2_000,
            rate_limit: 100_000,
            state_dir: state,
            ..Default::default()
        })
        .await
        .unwrap();
        let c = client(&sb);
        let id = matters_where(&sb, CLIENT_ADDRESS, 0)[0];
        let mut m = read(&c, id).await;
        let n = 100;
        let started = Instant::now();
        for i in 0..n {
            let w = [ValueWrite::set(
                &m,
                CLIENT_ADDRESS,
                json!(format!("{i} FAST ST")),
            )];
            // Each answer is the read the next write is made from.
            m = c
                .write_custom_field_values(&m, &w, VALUE_READ_FIELDS)
                .await
                .unwrap();
        }
        means.push(started.elapsed().as_secs_f64() * 1000.0 / f64::from(n));
        sb.stop().await;
    }
    let line = std::fs::metadata(dir.path().join("journal.jsonl"))
        .unwrap()
        .len()
        / 100;
    eprintln!(
        "PATCH round trip: {:.2} ms in memory, {:.2} ms journaled; {line} bytes a line",
        means[0], means[1]
    );
    assert!(means[1] < 40.0, "{means:?}");
    assert!(
        line < 1_000,
        "a line holds only what the PATCH touched: {line} bytes"
    );
    // 2,000 lines replay quickly (lines are absolute states, so repeating them is valid).
    let journal = dir.path().join("journal.jsonl");
    let hundred = std::fs::read(&journal).unwrap();
    std::fs::write(&journal, hundred.repeat(20)).unwrap();
    let started = Instant::now();
    let sb = on(dir.path(), 2_000, 1).await.unwrap();
    let opened = started.elapsed();
    eprintln!("seed and replay of 2,000 lines: {opened:?}");
    assert_eq!(
        sb.value(id_of(&sb), CLIENT_ADDRESS),
        Some(json!("99 FAST ST"))
    );
    assert!(opened.as_secs() < 10, "{opened:?}");
}

fn id_of(sb: &Sandbox) -> u64 {
    matters_where(sb, CLIENT_ADDRESS, 0)[0]
}

#[tokio::test]
async fn the_sandbox_flag_keeps_one_account_between_commands() {
    let home = tempfile::tempdir().unwrap();
    let first = clio_mcp::app::connect(true, Some(home.path().to_path_buf()))
        .await
        .unwrap();
    let sb = first.sandbox.as_ref().unwrap();
    let id = matters_where(sb, CLIENT_ADDRESS, 0)[0];
    let written = write(&first.client, id, |m| {
        ValueWrite::set(m, CLIENT_ADDRESS, json!("FROM THE FIRST COMMAND"))
    })
    .await;
    first.sandbox.unwrap().stop().await;
    let account = clio_mcp::app::sandbox_account_dir(home.path());
    assert!(account.join("journal.jsonl").exists(), "{account:?}");
    let second = clio_mcp::app::connect(true, Some(home.path().to_path_buf()))
        .await
        .unwrap();
    assert_eq!(read(&second.client, id).await.etag, written.etag);
    second.sandbox.unwrap().stop().await;
}

/// Starts `clio-mcp sandbox --state DIR`; its base URL and access token.
fn spawn_sandbox(dir: &Path) -> (std::process::Child, String, String) {
    let mut child = Command::new(BIN)
        .args([
            "sandbox",
            "--matters",
            "20",
            "--rate-limit",
            "100000",
            "--state",
        ])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines.next().unwrap().unwrap();
    let token = lines.next().unwrap().unwrap();
    let base = base.strip_prefix("CLIO_BASE_URL=").unwrap().to_string();
    let token = token
        .strip_prefix("CLIO_ACCESS_TOKEN=")
        .unwrap()
        .to_string();
    // Read every line it prints: a closed pipe would stop it.
    for _ in 0..3 {
        lines.next().unwrap().unwrap();
    }
    (child, base, token)
}

#[tokio::test]
async fn a_write_answered_before_a_sigkill_is_there_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (mut child, base, token) = spawn_sandbox(dir.path());
    let list: Value = http
        .get(format!("{base}/matters.json"))
        .query(&[
            ("fields", "id,etag,custom_field_values{id,custom_field}"),
            ("limit", "1"),
        ])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let m = &list["data"][0];
    let vid = m["custom_field_values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["custom_field"]["id"] == json!(CLIENT_ADDRESS))
        .unwrap()["id"]
        .clone();
    let id = m["id"].as_u64().unwrap();
    let answer = http
        .patch(format!("{base}/matters/{id}.json?fields=id,etag"))
        .bearer_auth(&token)
        .header("if-match", m["etag"].as_str().unwrap())
        .json(&json!({"data": {"custom_field_values": [{"id": vid, "value": "SURVIVES KILL -9"}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let etag = answer.json::<Value>().await.unwrap()["data"]["etag"].clone();
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    child.wait().unwrap();

    let (mut child, base, token) = spawn_sandbox(dir.path());
    let after: Value = http
        .get(format!("{base}/matters/{id}.json"))
        .query(&[("fields", "etag,custom_field_values{id,value}")])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(after["data"]["etag"], etag);
    let values = after["data"]["custom_field_values"].as_array().unwrap();
    assert!(
        values
            .iter()
            .any(|v| v["id"] == vid && v["value"] == json!("SURVIVES KILL -9")),
        "{values:?}"
    );
}

#[test]
fn sandbox_reset_deletes_the_sandbox_account_of_the_home() {
    let home = tempfile::tempdir().unwrap();
    let account = clio_mcp::app::sandbox_account_dir(home.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async { on(&account, 5, 1).await.unwrap().stop().await });
    std::fs::write(home.path().join("sandbox/state.sqlite"), b"plans stay").unwrap();
    let reset = |extra: &[&str]| {
        Command::new(BIN)
            .arg("--home")
            .arg(home.path())
            .args(["sandbox", "reset"])
            .args(extra)
            .env_remove("CLIO_MCP_HOME")
            .output()
            .unwrap()
    };
    let out = reset(&[]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Deleted the sandbox account in"), "{text}");
    assert!(!account.exists());
    assert!(home.path().join("sandbox/state.sqlite").exists());
    let text = String::from_utf8(reset(&[]).stdout).unwrap();
    assert!(text.contains("nothing to reset"), "{text}");
    // The server's options do not go with `reset`.
    assert_eq!(reset(&["--port", "4010"]).status.code(), Some(2));
}

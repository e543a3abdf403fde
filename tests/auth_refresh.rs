//! Refresh persistence in process: a refreshed pair is in the store before any request uses
//! it, a pair another process refreshed is taken up instead of refreshing again, and tokens
//! from the environment are never written anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use clio_mcp::auth::{CredentialStore, SignIn, StoreChoice, resolve};
use clio_mcp::clio::{ClioClient, RetryPolicy, TokenGrant, TokenPersistence};
use clio_mcp::config::{Config, Region, parse_base_url};
use clio_mcp::sandbox::{Sandbox, SandboxOptions};
use secrecy::{ExposeSecret, SecretString};

async fn sandbox() -> Arc<Sandbox> {
    Arc::new(
        Sandbox::start(SandboxOptions {
            matters: 10,
            rate_limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap(),
    )
}

fn env(sb: &Sandbox, home: &Path) -> HashMap<String, String> {
    HashMap::from([
        ("CLIO_MCP_HOME".to_string(), home.display().to_string()),
        ("CLIO_BASE_URL".to_string(), sb.base_url.clone()),
        ("CLIO_MCP_CREDENTIAL_STORE".to_string(), "file".to_string()),
    ])
}

/// Stores the sandbox's own pair as a sign-in in `home`.
fn store_sign_in(sb: &Sandbox, home: &Path) {
    let store = CredentialStore::open(StoreChoice::File, home).unwrap();
    store
        .save(&SignIn {
            region: Region::Us,
            base_url: parse_base_url(&sb.base_url).unwrap(),
            client_id: sb.client_id.clone(),
            client_secret: SecretString::from(sb.client_secret.clone()),
            access_token: SecretString::from(sb.access_token.clone()),
            refresh_token: Some(SecretString::from(sb.refresh_token.clone())),
            expires_at: Some(Utc::now()),
            signed_in_at: Utc::now(),
            user: None,
        })
        .unwrap();
}

fn client_for(vars: &HashMap<String, String>) -> (ClioClient, Option<Arc<dyn TokenPersistence>>) {
    let config = Config::from_lookup(|n| vars.get(n).cloned()).unwrap();
    let resolved = resolve(&config, |n| vars.get(n).cloned()).unwrap();
    let persistence = resolved.persistence.clone();
    let client =
        ClioClient::with_persistence(&resolved.clio, RetryPolicy::fast(), resolved.persistence)
            .unwrap();
    (client, persistence)
}

/// Passes saves through, noting how many API answers had succeeded at each save.
struct Recorder {
    inner: Arc<dyn TokenPersistence>,
    sandbox: Arc<Sandbox>,
    saves: Mutex<Vec<(String, u64)>>,
}

impl TokenPersistence for Recorder {
    fn load(&self) -> Result<Option<TokenGrant>, String> {
        self.inner.load()
    }
    fn save(&self, grant: &TokenGrant) -> Result<(), String> {
        let ok = self
            .sandbox
            .stats()
            .by_status
            .get(&200)
            .copied()
            .unwrap_or(0);
        let refresh = grant
            .refresh_token
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_string();
        self.saves.lock().unwrap().push((refresh, ok));
        self.inner.save(grant)
    }
}

#[tokio::test]
async fn a_refreshed_pair_is_stored_before_any_request_uses_it() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    store_sign_in(&sb, dir.path());
    let vars = env(&sb, dir.path());
    let config = Config::from_lookup(|n| vars.get(n).cloned()).unwrap();
    let resolved = resolve(&config, |n| vars.get(n).cloned()).unwrap();
    let recorder = Arc::new(Recorder {
        inner: resolved.persistence.clone().unwrap(),
        sandbox: sb.clone(),
        saves: Mutex::new(Vec::new()),
    });
    let client = ClioClient::with_persistence(
        &resolved.clio,
        RetryPolicy::fast(),
        Some(recorder.clone() as Arc<dyn TokenPersistence>),
    )
    .unwrap();
    client.who_am_i().await.unwrap();
    let ok_before = sb.stats().by_status.get(&200).copied().unwrap_or(0);
    sb.expire_access_tokens();
    client.who_am_i().await.unwrap();
    let saves = recorder.saves.lock().unwrap().clone();
    assert_eq!(saves.len(), 1, "one refresh, one save");
    let (new_refresh, ok_at_save) = &saves[0];
    assert_eq!(
        *ok_at_save, ok_before,
        "no answer came with the new token before the save"
    );
    assert_eq!(sb.stats().by_status.get(&200).copied(), Some(ok_before + 1));
    assert_ne!(new_refresh, &sb.refresh_token);
    assert!(!sb.refresh_token_works(&sb.refresh_token), "rotated away");
    let on_disk = CredentialStore::open(StoreChoice::File, dir.path())
        .unwrap()
        .load()
        .unwrap()
        .unwrap();
    assert_eq!(on_disk.refresh_token.unwrap().expose_secret(), new_refresh);
}

#[tokio::test]
async fn a_pair_another_process_refreshed_is_taken_up_without_refreshing_again() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    store_sign_in(&sb, dir.path());
    let vars = env(&sb, dir.path());
    let (first, _) = client_for(&vars);
    let (second, _) = client_for(&vars);
    sb.expire_access_tokens();
    first.who_am_i().await.unwrap();
    assert_eq!(sb.stats().token_refreshes, 1);
    // The second still holds the old pair, whose refresh token no longer works: it must
    // read the stored one rather than fail or refresh again.
    second.who_am_i().await.unwrap();
    assert_eq!(sb.stats().token_refreshes, 1);
    assert_eq!(second.metrics().token_refreshes, 1);
}

#[tokio::test]
async fn tokens_from_the_environment_are_refreshed_in_memory_only() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let mut vars = env(&sb, dir.path());
    vars.insert("CLIO_ACCESS_TOKEN".into(), sb.access_token.clone());
    vars.insert("CLIO_REFRESH_TOKEN".into(), sb.refresh_token.clone());
    vars.insert("CLIO_CLIENT_ID".into(), sb.client_id.clone());
    vars.insert("CLIO_CLIENT_SECRET".into(), sb.client_secret.clone());
    let (client, persistence) = client_for(&vars);
    assert!(persistence.is_none());
    sb.expire_access_tokens();
    // What the process logs (on stderr in a real run), caught on this test's thread.
    let log = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || Sink(sink.clone()))
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    client.who_am_i().await.unwrap();
    drop(guard);
    assert_eq!(sb.stats().token_refreshes, 1);
    let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    assert!(log.contains("cannot store the new pair"), "{log}");
    assert!(log.contains("clio-mcp auth login"), "{log}");
    for secret in [&sb.access_token, &sb.refresh_token, &sb.client_secret] {
        assert!(!log.contains(secret.as_str()), "a secret was logged: {log}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

/// A log writer into a shared buffer.
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

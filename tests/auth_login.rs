//! Signing in end to end, as a person would: `clio-mcp auth login|status|logout` as child
//! processes against an in-process sandbox, a "browser" following the printed address, a
//! wrong state, a denial, the time limit, the stored file's modes, a refresh that rotates the
//! refresh token, logout, and the environment winning over the stored sign-in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/signin.rs"]
mod signin;

use std::path::{Path, PathBuf};

use clio_mcp::sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;
use signin::{auth, browse, run, sign_in, start, start_with};

async fn sandbox(deny: bool) -> Sandbox {
    Sandbox::start(SandboxOptions {
        matters: 10,
        rate_limit: 10_000,
        deny_authorization: deny,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn client(sb: &Sandbox) -> (&str, &str) {
    (sb.client_id.as_str(), sb.client_secret.as_str())
}

/// A home folder that does not exist yet (clio-mcp makes it, owner-only).
fn home(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("home")
}

fn stored(home: &Path) -> Value {
    let text = std::fs::read_to_string(home.join("credentials.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn token(record: &Value, name: &str) -> String {
    record[name].as_str().unwrap().to_string()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn login_stores_the_tokens_owner_only_and_status_says_who_without_a_token() {
    let sb = sandbox(false).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    let pending = start(auth(
        &sb.base_url,
        client(&sb),
        &home,
        &["login", "--no-browser"],
    ))
    .await;
    // The printed address is Clio's authorize endpoint with a fresh 32-byte state and the
    // loopback callback; it never carries the secret.
    let url = url::Url::parse(&pending.url).unwrap();
    assert_eq!(url.path(), "/oauth/authorize");
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("response_type"), "code");
    assert_eq!(get("client_id"), sb.client_id);
    assert_eq!(get("state").len(), 64);
    assert!(get("redirect_uri").starts_with("http://127.0.0.1:"));
    assert!(get("redirect_uri").ends_with("/callback"));
    assert!(!pending.url.contains(&sb.client_secret));
    let (status, page) = browse(&pending.url).await;
    assert_eq!(status, 200);
    assert!(page.contains("Signed in"), "{page}");
    let done = pending.finish().await;
    assert!(done.status.success(), "{}", done.stderr);
    assert!(
        done.stdout
            .contains("Signed in to Clio as Sandra Paralegal <sandra@sandbox-firm.example>"),
        "{}",
        done.stdout
    );
    assert!(done.stdout.contains("credentials.json"), "{}", done.stdout);

    let record = stored(&home);
    let access = token(&record, "access_token");
    assert!(sb.access_token_works(&access), "the stored token works");
    assert!(
        record["expires_at"].is_string(),
        "expiry kept from expires_in"
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&home.join("credentials.json")), 0o600);
        assert_eq!(mode(&home), 0o700);
    }

    let status = run(auth(&sb.base_url, client(&sb), &home, &["status"])).await;
    assert!(status.status.success(), "{}", status.stderr);
    let out = &status.stdout;
    for expected in [
        "Sandra Paralegal",
        "sandra@sandbox-firm.example",
        "region:     us",
        "expires",
        "credentials.json",
        "mode 0600",
        "folder of mode 0700",
    ] {
        assert!(out.contains(expected), "{expected} missing from:\n{out}");
    }
    for secret in [
        access.as_str(),
        &token(&record, "refresh_token"),
        sb.client_secret.as_str(),
    ] {
        for shown in [&status.stdout, &status.stderr, &done.stdout, &done.stderr] {
            assert!(!shown.contains(secret), "a secret was shown:\n{shown}");
        }
    }
}

#[tokio::test]
async fn a_wrong_state_is_refused_in_the_browser_and_the_real_answer_still_signs_in() {
    let sb = sandbox(false).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    let pending = start(auth(
        &sb.base_url,
        client(&sb),
        &home,
        &["login", "--no-browser"],
    ))
    .await;
    let mut url = url::Url::parse(&pending.url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, "f".repeat(64))
            } else {
                (k, v)
            }
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    // Twice: a wrong answer neither ends the wait nor uses it up.
    for _ in 0..2 {
        let (status, page) = browse(url.as_str()).await;
        assert_eq!(status, 400);
        assert!(page.contains("does not belong to the sign-in"), "{page}");
        assert!(page.contains("still waiting"), "{page}");
        assert!(!home.join("credentials.json").exists());
    }
    let (status, page) = browse(&pending.url).await;
    assert_eq!(status, 200);
    assert!(page.contains("Signed in"), "{page}");
    let done = pending.finish().await;
    assert!(done.status.success(), "{}", done.stderr);
    assert!(home.join("credentials.json").exists());
}

#[tokio::test]
async fn a_wrong_state_alone_ends_at_the_time_limit_with_nothing_stored() {
    let sb = sandbox(false).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    let args = ["login", "--no-browser", "--time-limit-secs", "2"];
    let pending = start(auth(&sb.base_url, client(&sb), &home, &args)).await;
    let mut url = url::Url::parse(&pending.url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "state")
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let (status, _) = browse(url.as_str()).await;
    assert_eq!(status, 400);
    let done = pending.finish().await;
    assert_eq!(done.status.code(), Some(2), "{}", done.stderr);
    assert!(done.stderr.contains("within 2 seconds"), "{}", done.stderr);
    assert!(!home.join("credentials.json").exists());
}

#[tokio::test]
async fn a_denial_is_reported_plainly_and_nothing_is_stored() {
    let sb = sandbox(true).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    let pending = start(auth(
        &sb.base_url,
        client(&sb),
        &home,
        &["login", "--no-browser"],
    ))
    .await;
    let (status, page) = browse(&pending.url).await;
    assert_eq!(status, 200);
    assert!(page.contains("denied"), "{page}");
    let done = pending.finish().await;
    assert_eq!(done.status.code(), Some(2));
    assert!(
        done.stderr
            .contains("the sign-in was denied in Clio (access_denied)"),
        "{}",
        done.stderr
    );
    assert!(!home.join("credentials.json").exists());
    // Approving again lets the next login through.
    sb.set_deny_authorization(false);
    sign_in(&sb.base_url, client(&sb), &home).await;
}

#[tokio::test]
async fn a_login_nobody_finishes_ends_at_its_time_limit() {
    let sb = sandbox(false).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    let args = ["login", "--no-browser", "--time-limit-secs", "1"];
    let pending = start(auth(&sb.base_url, client(&sb), &home, &args)).await;
    let done = pending.finish().await;
    assert_eq!(done.status.code(), Some(2));
    assert!(
        done.stderr
            .contains("no answer from Clio's sign-in page within 1 second"),
        "{}",
        done.stderr
    );
    assert!(!home.join("credentials.json").exists());
}

#[tokio::test]
async fn a_refresh_rotates_the_refresh_token_and_the_store_holds_the_new_pair() {
    let sb = sandbox(false).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    sign_in(&sb.base_url, client(&sb), &home).await;
    let before = stored(&home);
    let (old_access, old_refresh) = (
        token(&before, "access_token"),
        token(&before, "refresh_token"),
    );
    sb.expire_access_tokens();
    // `status` asks who_am_i: refused, refreshed, stored, then sent again.
    let status = run(auth(&sb.base_url, client(&sb), &home, &["status"])).await;
    assert!(
        status.status.success(),
        "{}\n{}",
        status.stdout,
        status.stderr
    );
    assert!(status.stdout.contains("Sandra Paralegal"));
    assert_eq!(sb.stats().token_refreshes, 1);
    let after = stored(&home);
    let (new_access, new_refresh) = (
        token(&after, "access_token"),
        token(&after, "refresh_token"),
    );
    assert_ne!(new_access, old_access);
    assert_ne!(new_refresh, old_refresh, "the refresh token rotated");
    assert!(sb.access_token_works(&new_access));
    assert!(sb.refresh_token_works(&new_refresh));
    assert!(
        !sb.refresh_token_works(&old_refresh),
        "the old one was revoked"
    );
    // Another process after it needs no refresh: it reads the stored pair.
    let again = run(auth(&sb.base_url, client(&sb), &home, &["status"])).await;
    assert!(again.status.success(), "{}", again.stderr);
    assert_eq!(sb.stats().token_refreshes, 1);
}

#[tokio::test]
async fn logout_revokes_the_sign_in_at_clio_and_deletes_it() {
    let sb = sandbox(false).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    sign_in(&sb.base_url, client(&sb), &home).await;
    let record = stored(&home);
    let (access, refresh) = (
        token(&record, "access_token"),
        token(&record, "refresh_token"),
    );
    let out = run(auth(&sb.base_url, client(&sb), &home, &["logout"])).await;
    assert!(out.status.success(), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("Revoked the sign-in at Clio."),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Deleted the stored sign-in"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("credentials.json"), "{}", out.stdout);
    assert!(!home.join("credentials.json").exists());
    assert!(!sb.access_token_works(&access), "deauthorized at Clio");
    assert!(!sb.refresh_token_works(&refresh), "the whole grant is gone");
    // The sandbox's own tokens, another grant, still work.
    assert!(sb.access_token_works(&sb.access_token));

    let again = run(auth(&sb.base_url, client(&sb), &home, &["logout"])).await;
    assert!(again.status.success());
    assert!(again.stdout.contains("Not signed in"), "{}", again.stdout);
    let status = run(auth(&sb.base_url, client(&sb), &home, &["status"])).await;
    assert_eq!(status.status.code(), Some(2));
    assert!(
        status.stderr.contains("not signed in to Clio"),
        "{}",
        status.stderr
    );
    assert!(
        status.stderr.contains("clio-mcp auth login"),
        "{}",
        status.stderr
    );
}

#[tokio::test]
async fn the_environment_wins_over_the_stored_sign_in_and_another_account_is_refused() {
    let sb = sandbox(false).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    sign_in(&sb.base_url, client(&sb), &home).await;
    let mut with_env = auth(&sb.base_url, client(&sb), &home, &["status"]);
    with_env.env("CLIO_ACCESS_TOKEN", &sb.access_token);
    let out = run(with_env).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("stored in:  the environment (CLIO_ACCESS_TOKEN"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(&sb.access_token));

    let other = auth("http://127.0.0.1:9/api/v4", client(&sb), &home, &["status"]);
    let out = run(other).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.contains("the stored sign-in is for region us"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("unset CLIO_BASE_URL"), "{}", out.stderr);
}

#[tokio::test]
async fn login_without_a_client_id_or_secret_says_where_to_put_them() {
    let sb = sandbox(false).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    let mut no_id = auth(&sb.base_url, client(&sb), &home, &["login", "--no-browser"]);
    no_id.env_remove("CLIO_CLIENT_ID");
    let out = run(no_id).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr
            .contains("set CLIO_CLIENT_ID or pass --client-id"),
        "{}",
        out.stderr
    );
    // No secret in the environment and nothing piped in: asked for, never taken from argv.
    let mut no_secret = auth(&sb.base_url, client(&sb), &home, &["login", "--no-browser"]);
    no_secret.env_remove("CLIO_CLIENT_SECRET");
    let out = run(no_secret).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.contains("CLIO_CLIENT_SECRET"), "{}", out.stderr);
    assert!(!home.join("credentials.json").exists());
}

#[tokio::test]
async fn login_takes_the_client_id_from_its_flag_and_the_secret_from_standard_input() {
    let sb = sandbox(false).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    let mut cmd = auth(
        &sb.base_url,
        client(&sb),
        &home,
        &[
            "login",
            "--no-browser",
            "--client-id",
            &sb.client_id,
            "--region",
            "us",
        ],
    );
    cmd.env_remove("CLIO_CLIENT_ID")
        .env_remove("CLIO_CLIENT_SECRET");
    let secret = format!("{}\n", sb.client_secret);
    let pending = start_with(cmd, Some(&secret)).await;
    let (status, _) = browse(&pending.url).await;
    assert_eq!(status, 200);
    let done = pending.finish().await;
    assert!(done.status.success(), "{}", done.stderr);
    // The app's credentials are stored with the tokens, so later runs need nothing in env.
    let record = stored(&home);
    assert_eq!(record["client_id"], sb.client_id.as_str());
    let mut bare = auth(&sb.base_url, client(&sb), &home, &["status"]);
    bare.env_remove("CLIO_CLIENT_ID")
        .env_remove("CLIO_CLIENT_SECRET");
    sb.expire_access_tokens();
    let out = run(bare).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        sb.stats().token_refreshes,
        1,
        "refreshed with the stored app credentials"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn login_into_a_home_others_can_enter_makes_it_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let sb = sandbox(false).await;
    let dir = tempfile::tempdir().unwrap();
    let home = home(&dir);
    std::fs::create_dir(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
    let pending = start(auth(
        &sb.base_url,
        client(&sb),
        &home,
        &["login", "--no-browser"],
    ))
    .await;
    let (status, _) = browse(&pending.url).await;
    assert_eq!(status, 200);
    let done = pending.finish().await;
    assert!(done.status.success(), "{}", done.stderr);
    assert_eq!(mode(&home), 0o700);
    assert_eq!(mode(&home.join("credentials.json")), 0o600);
}

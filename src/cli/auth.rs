//! `clio-mcp auth`: sign in to Clio in a browser (`login`), say who is signed in and where the
//! tokens are (`status`, never a token), and revoke and delete them (`logout`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use secrecy::SecretString;

mod status;

use super::error::CliError;
use crate::auth::{AuthError, CredentialStore, LoginRequest, PendingLogin, StoreChoice, blocking};
use crate::clio::RetryPolicy;
use crate::config::{Config, Region};

#[derive(Subcommand)]
pub(super) enum AuthCommand {
    /// Sign in to Clio in your browser; the tokens are kept in the OS keyring or, without
    /// one, in CLIO_MCP_HOME/credentials.json (mode 0600).
    Login(LoginArgs),
    /// Who is signed in, the region, when the token expires and where it is kept (never the
    /// token itself). Exits 1 when Clio does not accept it.
    Status,
    /// Revoke the stored sign-in at Clio, then delete it from this machine.
    Logout,
}

#[derive(Args)]
pub(super) struct LoginArgs {
    /// The region your Clio account lives in: us, ca, eu or au (default: CLIO_REGION, else us).
    #[arg(long, value_parser = parse_region)]
    region: Option<Region>,
    /// Port on 127.0.0.1 for Clio's answer (default: a free one); your Clio developer
    /// application must list http://127.0.0.1:PORT/callback as a redirect URI.
    #[arg(long)]
    port: Option<u16>,
    /// The App Key of your Clio developer application (default: CLIO_CLIENT_ID). Its secret
    /// comes from CLIO_CLIENT_SECRET or is asked for; never from the command line.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Only print the sign-in address; do not try to open a browser.
    #[arg(long)]
    no_browser: bool,
    /// Seconds to wait for the browser (for tests).
    #[arg(long, hide = true, default_value_t = crate::auth::login::LOGIN_TIME_LIMIT.as_secs())]
    time_limit_secs: u64,
}

fn parse_region(value: &str) -> Result<Region, String> {
    Region::parse(value).map_err(|_| format!("{value} is not a Clio region: use us, ca, eu or au"))
}

pub(super) async fn run(
    cmd: AuthCommand,
    home: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let mut config = Config::from_env()?;
    if let Some(home) = home {
        config.home = home;
    }
    match cmd {
        AuthCommand::Login(args) => login(args, config, out).await,
        AuthCommand::Status => status::status(config, out).await,
        AuthCommand::Logout => status::logout(config, out).await,
    }
}

fn store_choice() -> Result<StoreChoice, CliError> {
    Ok(StoreChoice::from_lookup(|n| std::env::var(n).ok())?)
}

fn env_token_note(out: &mut dyn Write) -> std::io::Result<()> {
    if std::env::var("CLIO_ACCESS_TOKEN").is_ok_and(|t| !t.trim().is_empty()) {
        writeln!(
            out,
            "Note: CLIO_ACCESS_TOKEN is set here, and the environment wins over the stored \
             sign-in; unset it to use the stored one."
        )?;
    }
    Ok(())
}

async fn login(args: LoginArgs, config: Config, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let env_base = std::env::var("CLIO_BASE_URL").is_ok_and(|v| !v.trim().is_empty());
    let region = args.region.unwrap_or(config.clio.region);
    let base_url = if env_base {
        config.clio.base_url.clone()
    } else {
        crate::config::parse_base_url(region.base_url())?
    };
    let client_id = args
        .client_id
        .or(config.clio.credentials.client_id.clone())
        .filter(|c| !c.trim().is_empty())
        .ok_or(AuthError::NoClientId)?;
    let client_secret = match config.clio.credentials.client_secret.clone() {
        Some(secret) => secret,
        None => ask_secret()?,
    };
    let (choice, home) = (store_choice()?, config.home.clone());
    let store = blocking(move || CredentialStore::open(choice, &home)).await?;
    let pending = PendingLogin::start(LoginRequest {
        region,
        base_url,
        client_id,
        client_secret,
        port: args.port.unwrap_or(0),
        time_limit: Duration::from_secs(args.time_limit_secs.max(1)),
        rate_limit: config.clio.rate_limit,
    })
    .await?;
    let url = pending.authorize_url().to_string();
    writeln!(
        out,
        "To sign in to Clio (region {}), open this address in your browser:\n\n  {url}\n\n\
         Waiting for Clio's answer on {} ...",
        region.as_str(),
        pending.redirect_uri()
    )?;
    out.flush()?;
    if !args.no_browser {
        open_browser(&url);
    }
    let signed = pending.finish(store, RetryPolicy::default()).await?;
    writeln!(
        out,
        "Signed in to Clio as {} (user {}), region {}.\nThe tokens are stored in {}; \
         `clio-mcp serve` and the other commands use them (CLIO_ACCESS_TOKEN still wins when set).",
        person(signed.user.name.as_deref(), signed.user.email.as_deref()),
        signed.user.id,
        signed.sign_in.region.as_str(),
        signed.store
    )?;
    env_token_note(out)?;
    Ok(ExitCode::SUCCESS)
}

/// The client secret from a prompt that does not echo, or one line of piped input.
fn ask_secret() -> Result<SecretString, CliError> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        rpassword::prompt_password("Clio client secret (the App Secret, not shown): ")?
    } else {
        let mut line = String::new();
        stdin.read_line(&mut line)?;
        line
    };
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(AuthError::NoClientSecret.into());
    }
    Ok(SecretString::from(text))
}

/// Tries the platform's way of opening an address; a failure only means the person opens it.
fn open_browser(url: &str) {
    #[cfg(target_os = "macos")]
    let mut command = std::process::Command::new("open");
    #[cfg(target_os = "windows")]
    let mut command = {
        // Not `cmd /C start`: cmd would read the `&` in the address as its own.
        let mut c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    };
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let mut command = std::process::Command::new("xdg-open");
    let started = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = started {
        tracing::info!(error = %e, "could not open a browser; the address is printed");
    }
}

fn person(name: Option<&str>, email: Option<&str>) -> String {
    match (name, email) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (Some(n), None) => n.to_string(),
        (None, Some(e)) => e.to_string(),
        (None, None) => "an unnamed user".to_string(),
    }
}

//! `auth status` and `auth logout` as a person reads them: who, region, expiry and where the
//! sign-in is kept (with the file's modes), never a token; and what logout revoked and deleted.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};

use super::{env_token_note, person, store_choice};
use crate::auth::{CredentialSource, CredentialStore, blocking};
use crate::cli::error::CliError;
use crate::clio::RetryPolicy;
use crate::config::Config;

fn when(at: DateTime<Utc>) -> String {
    let left = at - Utc::now();
    let rel = if left.num_seconds() <= 0 {
        "expired; it is refreshed on the next request".to_string()
    } else if left.num_hours() >= 36 {
        format!("in {} days", (left.num_hours() + 12) / 24)
    } else {
        format!(
            "in {} hours {} minutes",
            left.num_hours(),
            left.num_minutes() % 60
        )
    };
    format!("{} ({rel})", at.format("%Y-%m-%d %H:%M UTC"))
}

pub(super) async fn status(config: Config, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let status = crate::auth::status(config, RetryPolicy::default()).await?;
    let (clio, sign_in) = (&status.resolved.clio, &status.resolved.sign_in);
    let ok = match &status.who {
        Ok(user) => {
            writeln!(
                out,
                "Signed in to Clio as {} (user {}).",
                person(user.name.as_deref(), user.email.as_deref()),
                user.id
            )?;
            true
        }
        Err(e) => {
            writeln!(out, "Clio did not confirm the sign-in: {e}")?;
            false
        }
    };
    writeln!(
        out,
        "  region:     {} ({})",
        clio.region.as_str(),
        clio.base_url
    )?;
    match sign_in.as_ref().and_then(|s| s.expires_at) {
        Some(at) => writeln!(out, "  token:      expires {}", when(at))?,
        None => writeln!(out, "  token:      expiry not known")?,
    }
    match &status.resolved.source {
        CredentialSource::Environment => writeln!(
            out,
            "  stored in:  the environment (CLIO_ACCESS_TOKEN{}); it wins over any stored sign-in",
            if clio.credentials.refresh_token.is_some() {
                ", CLIO_REFRESH_TOKEN"
            } else {
                ""
            }
        )?,
        CredentialSource::Stored(place) => writeln!(
            out,
            "  stored in:  {place}{}",
            modes(status.resolved.file.as_deref())
        )?,
    }
    if let Some(s) = sign_in {
        writeln!(
            out,
            "  signed in:  {}",
            s.signed_in_at.format("%Y-%m-%d %H:%M UTC")
        )?;
    }
    if !ok {
        writeln!(
            out,
            "Run `clio-mcp auth login` to sign in again, or check the network."
        )?;
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// ` (mode 0600, in a folder of mode 0700)` for the credentials file, with a warning when
/// others may read the folder.
fn modes(file: Option<&std::path::Path>) -> String {
    #[cfg(unix)]
    if let Some(file) = file {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .ok()
        };
        let folder = file.parent().and_then(mode);
        let mut text = match (mode(file), folder) {
            (Some(f), Some(d)) => format!(" (mode {f:04o}, in a folder of mode {d:04o})"),
            _ => String::new(),
        };
        if folder.is_some_and(|d| d & 0o077 != 0) {
            text.push_str("; others may list that folder: chmod 700 it");
        }
        return text;
    }
    let _ = file;
    String::new()
}

pub(super) async fn logout(config: Config, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let report = crate::auth::logout(
        store_choice()?,
        config.home.clone(),
        config.clio.rate_limit,
        RetryPolicy::default(),
    )
    .await?;
    let Some(report) = report else {
        let (choice, home) = (store_choice()?, config.home.clone());
        let store = blocking(move || CredentialStore::open(choice, &home)).await?;
        writeln!(
            out,
            "Not signed in: there is no sign-in stored in {}.",
            store.describe()
        )?;
        env_token_note(out)?;
        return Ok(ExitCode::SUCCESS);
    };
    let mut code = ExitCode::SUCCESS;
    match &report.revoked {
        Ok(()) => writeln!(out, "Revoked the sign-in at Clio.")?,
        Err(e) => {
            writeln!(
                out,
                "Could not revoke the sign-in at Clio ({e}). Its tokens may still work until \
                 they expire: remove clio-mcp's access in Clio's settings to be sure."
            )?;
            code = ExitCode::from(1);
        }
    }
    if report.deleted {
        writeln!(
            out,
            "Deleted the stored sign-in (tokens and app credentials) from {}.",
            report.store
        )?;
    }
    env_token_note(out)?;
    Ok(code)
}

//! The `clio-mcp webhooks ...` subcommands: ensure, list, delete and renew subscriptions, and
//! listen for Clio's deliveries at `POST /webhooks/clio`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::error::CliError;
use crate::app::{connect, default_home};
use crate::audit::{AuditLog, AuditOptions, audit_dir};
use crate::files::state_db;
use crate::webhooks::rules::{self, DEFAULT_WITHIN, parse_within};
use crate::webhooks::{HookView, WebhookStore, Webhooks, open_receiver};

#[derive(Debug, Clone, Args)]
pub struct WebhooksArgs {
    /// Work on the sandbox account (state in <home>/sandbox) instead of Clio.
    #[arg(long, global = true)]
    pub sandbox: bool,
    #[command(subcommand)]
    pub cmd: WebhooksCommand,
}

/// Clio webhook subscriptions and their receiver.
#[derive(Debug, Clone, Subcommand)]
pub enum WebhooksCommand {
    /// Create the subscription of --url and --model, or renew it (expires_at 31 days ahead).
    Ensure {
        /// Where Clio POSTs: https://.../webhooks/clio (a tunnel or proxy to `webhooks listen`).
        #[arg(long)]
        url: String,
        /// matter, activity, bill, calendar_entry, communication, contact, task, document,
        /// folder or clio_payments_payment.
        #[arg(long)]
        model: String,
        /// Comma-separated: created, updated, deleted (matters also matter_opened,
        /// matter_pended, matter_closed); default all three.
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
        /// Clio's field selection sent with each delivery (at most 1,000 characters); Clio
        /// requires one, default id,etag,updated_at.
        #[arg(long)]
        fields: Option<String>,
    },
    /// Every subscription, with its expiry and whether this machine keeps its secret.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete a subscription at Clio and forget its secret here.
    Delete { id: u64 },
    /// Renew every subscription that expires within --within (run it daily: cron, a timer).
    Renew {
        /// A margin: 7d, 36h, 90m, 2w.
        #[arg(long, default_value = DEFAULT_WITHIN)]
        within: String,
        /// Also renew subscriptions not made from this machine (no local record).
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Receive Clio's deliveries at http://ADDR/webhooks/clio until Ctrl-C.
    Listen {
        /// Where to listen, e.g. 127.0.0.1:8788 (port 0 picks one; the address is printed).
        #[arg(long, value_name = "ADDR")]
        bind: SocketAddr,
        /// Permit a non-loopback --bind (a tunnel or proxy on this machine is the safer way).
        #[arg(long)]
        allow_remote: bool,
    },
}

/// Runs one `webhooks` subcommand.
pub async fn run(
    args: WebhooksArgs,
    home: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    if let WebhooksCommand::Listen { bind, allow_remote } = &args.cmd {
        return listen(*bind, *allow_remote, args.sandbox, home).await;
    }
    // Checked before connecting: a typo should not wait for Clio.
    let within = match &args.cmd {
        WebhooksCommand::Renew { within, .. } => Some(parse_within(within)?),
        WebhooksCommand::Ensure {
            url,
            model,
            events,
            fields,
        } => {
            rules::check_url(url, args.sandbox)?;
            rules::check_events(&rules::check_model(model)?, events)?;
            rules::check_fields(fields.as_deref())?;
            None
        }
        _ => None,
    };
    let target = connect(args.sandbox, home).await?;
    let user = target.client.who_am_i().await?;
    let who = format!(
        "{} (user {})",
        user.name.as_deref().unwrap_or("unknown"),
        user.id
    );
    let mut options =
        AuditOptions::new(who, uuid::Uuid::new_v4().to_string()).head_db(state_db(&target.home));
    for secret in target.client.secrets() {
        options = options.secret(secret);
    }
    let store = WebhookStore::open(&state_db(&target.home))?;
    let audit = Arc::new(AuditLog::open(&audit_dir(&target.home), options)?);
    let hooks = Webhooks::new(target.client, store, audit).loopback_http(args.sandbox);
    match args.cmd {
        WebhooksCommand::Ensure {
            url,
            model,
            events,
            fields,
        } => {
            let done = hooks
                .ensure(&url, &model, &events, fields.as_deref())
                .await?;
            writeln!(out, "{} webhook {}", done.action, line(&done.hook))?;
            for w in &done.warnings {
                writeln!(out, "warning: {w}")?;
            }
            if !done.hook.secret_kept {
                writeln!(
                    out,
                    "warning: no shared secret is kept for it yet, so its deliveries will be \
                     refused: start `clio-mcp webhooks listen` where --url points, then run \
                     ensure again"
                )?;
            }
        }
        WebhooksCommand::List { json } => {
            let list = hooks.list().await?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&list).unwrap_or_default())?;
            } else if list.is_empty() {
                writeln!(out, "no webhook subscriptions")?;
            }
            for h in list.iter().filter(|_| !json) {
                writeln!(out, "{}", line(h))?;
            }
        }
        WebhooksCommand::Delete { id } => {
            hooks.delete(id).await?;
            writeln!(out, "deleted webhook {id}")?;
        }
        WebhooksCommand::Renew { json, all, .. } => {
            let within = within.unwrap_or_else(|| chrono::Duration::days(7));
            let renewed = hooks.renew(within, all).await?;
            if json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&renewed).unwrap_or_default()
                )?;
            } else if renewed.is_empty() {
                writeln!(
                    out,
                    "no subscription expires within the margin; nothing renewed"
                )?;
            }
            for r in renewed.iter().filter(|_| !json) {
                match &r.error {
                    None if r.outcome == "not-ours" => writeln!(
                        out,
                        "skipped webhook {} ({}, expires {}): not made from this machine; \
                         `webhooks renew --all` renews it too",
                        r.id, r.model, r.was
                    )?,
                    None => writeln!(
                        out,
                        "renewed webhook {} ({}): {} -> {}",
                        r.id, r.model, r.was, r.expires_at
                    )?,
                    Some(e) => writeln!(
                        out,
                        "FAILED to renew webhook {} ({}, expires {}): {e}",
                        r.id, r.model, r.was
                    )?,
                }
            }
            let failed: Vec<String> = renewed
                .iter()
                .filter(|r| r.failed())
                .map(|r| r.id.to_string())
                .collect();
            if !failed.is_empty() {
                return Err(crate::webhooks::WebhookError::RenewFailed(failed.join(", ")).into());
            }
        }
        WebhooksCommand::Listen { .. } => {}
    }
    Ok(())
}

fn line(h: &HookView) -> String {
    format!(
        "{} {} [{}] {} expires {} -> {}{}",
        h.id,
        h.model,
        h.events.join(","),
        h.status,
        h.expires_at,
        h.url,
        if h.secret_kept {
            ""
        } else {
            " (no secret here)"
        }
    )
}

fn state_home(sandbox: bool, home: Option<PathBuf>) -> Result<PathBuf, CliError> {
    let home = match home {
        Some(h) => h,
        None => default_home()?,
    };
    Ok(if sandbox { home.join("sandbox") } else { home })
}

/// Refuses a non-loopback address unless asked to, before anything binds.
fn check_bind(bind: SocketAddr, allow_remote: bool) -> Result<(), CliError> {
    if bind.ip().is_loopback() || allow_remote {
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "--bind {bind} is not a loopback address: listen on 127.0.0.1 behind a TLS tunnel or \
         reverse proxy on this machine, or pass --allow-remote to listen on {bind} anyway \
         (every delivery must still be signed)"
    )))
}

async fn listen(
    bind: SocketAddr,
    allow_remote: bool,
    sandbox: bool,
    home: Option<PathBuf>,
) -> Result<(), CliError> {
    check_bind(bind, allow_remote)?;
    let home = state_home(sandbox, home)?;
    let receiver = open_receiver(Path::new(&home))?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let bound = listener.local_addr()?;
    eprintln!(
        "clio-mcp: receiving Clio webhooks on http://{bound}/webhooks/clio (Ctrl-C stops it)"
    );
    let app = crate::server::webhooks::router(receiver);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

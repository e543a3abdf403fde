//! `clio-mcp documents upload|finish|watch`: upload a file to a matter, finish an upload that
//! failed after registration, and poll a matter's documents for new and changed ones.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::error::CliError;
use crate::app::{connect, open_state};
use crate::clio::ClioClient;
use crate::clio::documents::Document;
use crate::documents::{Source, UploadOutcome, UploadRequest};
use crate::upload_dirs::UploadDirs;

#[derive(Debug, Clone, Args)]
pub struct DocumentsArgs {
    /// Work on an in-process sandbox (state in <home>/sandbox) instead of Clio.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// A folder uploads may read from (repeatable; also CLIO_MCP_UPLOAD_DIRS, colon-separated).
    #[arg(long = "allow-dir", value_name = "DIR", global = true)]
    pub allow_dirs: Vec<PathBuf>,
    #[command(subcommand)]
    pub cmd: DocumentsCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DocumentsCommand {
    /// Upload a file under an allowed folder to a matter (audited; visible when it answers).
    Upload {
        /// The file.
        path: PathBuf,
        /// The matter to upload to (`--matter` is an alias).
        #[arg(long = "matter-id", visible_alias = "matter", value_name = "ID")]
        matter: u64,
        /// Document name (default: the file name).
        #[arg(long)]
        name: Option<String>,
        /// MIME type (default: from the extension).
        #[arg(long)]
        content_type: Option<String>,
        /// Clio document category id.
        #[arg(long)]
        category: Option<u64>,
        /// Upload even when the same bytes and name are already on the matter.
        #[arg(long)]
        force: bool,
        /// Above this many MiB the file is sent in parts (Clio's multipart upload).
        #[arg(long = "multipart-threshold-mb", env = "CLIO_MCP_MULTIPART_THRESHOLD_MB",
              value_name = "MB", default_value_t = 100,
              value_parser = clap::value_parser!(u64).range(5..=100_000))]
        multipart_threshold_mb: u64,
    },
    /// Finish an upload that failed after Clio registered the document: sends the bytes
    /// again if storage lacks them, then marks it fully uploaded.
    /// With no DOC_ID: lists the unfinished uploads, as `documents pending` does.
    Finish {
        #[arg(value_name = "DOC_ID")]
        document_id: Option<u64>,
    },
    /// List uploads registered in Clio but not finished (finish each with `documents finish`).
    Pending,
    /// Print a matter's new and changed documents, polling with `updated_since`.
    Watch {
        #[arg(long)]
        matter: u64,
        /// Only documents changed at or after this ISO 8601 time (default: all, then new ones).
        #[arg(long)]
        since: Option<String>,
        /// Seconds between polls.
        #[arg(long, default_value_t = 60)]
        interval: u64,
        /// Poll once and exit.
        #[arg(long)]
        once: bool,
        /// Stop after this many polls (0: until interrupted).
        #[arg(long, default_value_t = 0)]
        polls: u64,
    },
}

pub async fn run(
    args: DocumentsArgs,
    home: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    if let DocumentsCommand::Watch { since, .. } = &args.cmd {
        check_since(since.as_deref())?;
    }
    let target = connect(args.sandbox, home).await?;
    if let DocumentsCommand::Watch {
        matter,
        since,
        interval,
        once,
        polls,
    } = &args.cmd
    {
        let polls = if *once { 1 } else { *polls };
        return watch(
            &target.client,
            *matter,
            since.clone(),
            *interval,
            polls,
            out,
        )
        .await;
    }
    let dirs =
        UploadDirs::from_env(&args.allow_dirs).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut services = open_state(target.client, &target.home)
        .await?
        .with_upload_dirs(dirs, &target.home);
    if let DocumentsCommand::Upload {
        multipart_threshold_mb,
        ..
    } = &args.cmd
    {
        services.documents = services
            .documents
            .with_multipart_threshold(multipart_threshold_mb * 1024 * 1024);
    }
    let outcome = match args.cmd {
        DocumentsCommand::Upload {
            path,
            matter,
            name,
            content_type,
            category,
            force,
            ..
        } => services.documents.upload(UploadRequest {
            matter_id: matter,
            source: Source::Path(path),
            name,
            content_type,
            category,
            force,
            tool: "documents upload".to_string(),
        }),
        DocumentsCommand::Finish {
            document_id: Some(id),
        } => {
            return finish(&services.documents, id, out).await;
        }
        DocumentsCommand::Finish { document_id: None } | DocumentsCommand::Pending => {
            return pending(&services.documents, out);
        }
        DocumentsCommand::Watch { .. } => return Ok(()),
    };
    let o = outcome.await.map_err(|e| CliError::Usage(e.to_string()))?;
    print_outcome(&o, out)
}

async fn finish(
    documents: &crate::documents::DocumentService,
    id: u64,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let o = documents
        .finish(id, "documents finish")
        .await
        .map_err(|e| CliError::Usage(e.to_string()))?;
    print_outcome(&o, out)
}

fn pending(
    documents: &crate::documents::DocumentService,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let rows = documents
        .pending_uploads()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if rows.is_empty() {
        writeln!(out, "no unfinished uploads")?;
    }
    for p in rows {
        writeln!(
            out,
            "pending\t{}\tmatter {}\t{}\t{} bytes\tfinish: clio-mcp documents finish {}",
            p.document_id,
            p.matter_id,
            clean(&p.name),
            p.size,
            p.document_id
        )?;
    }
    Ok(())
}

fn print_outcome(o: &UploadOutcome, out: &mut dyn Write) -> Result<(), CliError> {
    if o.already_uploaded {
        writeln!(
            out,
            "already uploaded: document {} on matter {} ({}, SHA-256 {}); --force uploads again",
            o.document_id, o.matter_id, o.name, o.sha256
        )?;
    } else {
        writeln!(
            out,
            "uploaded: document {} on matter {} ({}, {} bytes, SHA-256 {}, {} part(s)); re-read: visible",
            o.document_id, o.matter_id, o.name, o.size, o.sha256, o.parts
        )?;
    }
    Ok(())
}

/// A name from Clio (or the state database) as the terminal shows it: without control or
/// bidirectional characters, cut to 255.
fn clean(name: &str) -> String {
    crate::tools::args::text::clean(name, 255)
}

/// `--since` checked locally: an RFC 3339 time.
fn check_since(since: Option<&str>) -> Result<(), CliError> {
    match since {
        Some(s) if chrono::DateTime::parse_from_rfc3339(s).is_err() => {
            Err(CliError::Usage(format!(
                "--since {} is not an RFC 3339 time; give one such as 2026-01-31T09:00:00Z",
                crate::tools::args::text::given_text(s)
            )))
        }
        _ => Ok(()),
    }
}

/// Polls `polls` times (0: forever), `interval` seconds apart, printing each document that
/// is new or changed since the previous poll.
async fn watch(
    client: &ClioClient,
    matter: u64,
    mut since: Option<String>,
    interval: u64,
    polls: u64,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let mut seen: HashMap<u64, Option<String>> = HashMap::new();
    let mut done = 0u64;
    loop {
        let req = ClioClient::documents_request(matter, since.as_deref(), 200);
        let docs: Vec<Document> = client.all(req).await?;
        for d in &docs {
            let previous = seen.insert(d.id, d.updated_at.clone());
            let what = match previous {
                None => "new",
                Some(at) if at != d.updated_at => "changed",
                Some(_) => continue,
            };
            writeln!(
                out,
                "{what}\t{}\t{}\t{} bytes\t{}",
                d.id,
                clean(d.name.as_deref().unwrap_or("?")),
                d.size().unwrap_or(0),
                clean(d.updated_at.as_deref().unwrap_or("?"))
            )?;
            if d.updated_at > since {
                since = d.updated_at.clone();
            }
        }
        out.flush()?;
        done += 1;
        if polls != 0 && done >= polls {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(interval.max(1))).await;
    }
}

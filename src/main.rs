//! The `clio-mcp` command line: parses arguments and hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use clio_mcp::audit::cli::AuditCommand;

#[derive(Debug, Parser)]
#[command(name = "clio-mcp", version, about)]
struct Cli {
    /// Data directory (audit log, state); default: the platform data dir + /clio-mcp.
    #[arg(long, global = true, env = "CLIO_MCP_HOME")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify, browse, export and report on the audit log.
    Audit {
        #[command(subcommand)]
        cmd: AuditCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(home) = cli
        .home
        .or_else(|| dirs::data_dir().map(|d| d.join("clio-mcp")))
    else {
        eprintln!("error: {}", clio_mcp::audit::AuditError::NoHome);
        return ExitCode::from(2);
    };
    let result = match cli.command {
        Command::Audit { cmd } => {
            clio_mcp::audit::cli::run(cmd, &home, &mut std::io::stdout().lock())
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

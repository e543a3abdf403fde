//! `clio-mcp tools export`: writes the tool contracts and refreshes the README's tool table.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::error::CliError;
use crate::tools::contract;

#[derive(Subcommand)]
pub(super) enum ToolsCommand {
    /// Write one JSON contract per tool into DIR (and remove stale ones), and refresh the
    /// README's tool and toolset tables when run from the project root.
    Export {
        #[arg(default_value = "tools")]
        dir: PathBuf,
    },
}

pub(super) fn run(cmd: ToolsCommand, out: &mut dyn Write) -> Result<(), CliError> {
    let ToolsCommand::Export { dir } = cmd;
    for path in contract::export(&dir)? {
        writeln!(out, "wrote {}", path.display())?;
    }
    let readme = std::path::Path::new("README.md");
    if readme.exists() && contract::update_readme(readme)? {
        writeln!(out, "refreshed the tool and toolset tables in README.md")?;
    }
    Ok(())
}

//! The `clio-mcp` command line: parses arguments and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use clio_mcp::cli::Cli;

fn main() -> ExitCode {
    // stdout belongs to the MCP protocol in stdio mode: logs always go to stderr.
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("CLIO_MCP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // At debug level these log whole protocol messages and HTTP frames, that is client data:
    // never, whatever CLIO_MCP_LOG says.
    for quiet in ["rmcp=info", "hyper=info", "h2=info", "reqwest=info"] {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(clio_mcp::cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

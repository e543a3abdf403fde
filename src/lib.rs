//! clio-mcp: a Model Context Protocol server for safe, audited work on Clio Manage data.

pub mod audit;
pub mod bench;
pub mod clio;
pub mod config;
pub mod demo;
pub mod error;
pub mod normalize;
pub mod sandbox;

//! clio-mcp: a Model Context Protocol server for safe, audited work on Clio Manage data.

pub mod audit;
pub mod bench;
pub mod clio;
pub mod config;
pub mod contracts;
pub mod demo;
pub mod error;
pub mod http_security;
pub mod inventory;
pub mod jobs;
pub mod matter_view;
pub mod normalize;
pub mod plan;
pub mod privacy;
pub mod sandbox;
pub mod serve;
pub mod server;
pub mod tools;

//! clio-mcp: a Model Context Protocol server for safe, audited work on Clio Manage data.
//!
//! # The layers
//!
//! Data flows one way, down these layers; a module names only modules of its own layer or
//! below, and no two modules name each other (`tests/architecture.rs` fails otherwise):
//!
//! 1. **Faces**: the command line ([`cli`], with `main.rs` parsing and handing over), the
//!    MCP server ([`server`]: identity, instructions, routing, the stdio and HTTP
//!    transports and their checks of raw frames), its tools ([`tools`], one file per
//!    tool) and the handler type they are methods on ([`handler`]).
//! 2. **The process** ([`app`]): builds the one Clio client, opens the state folder and the
//!    services on them, for `serve`, the demo and every command.
//! 3. **Services**: proposals and plans ([`plan`]), write jobs, approvals, single writes
//!    and rollbacks ([`jobs`]), the field inventory ([`inventory`]), the audit log
//!    ([`audit`]), signing in and keeping the tokens ([`auth`]), document uploads
//!    ([`documents`]) and webhook subscriptions and deliveries ([`webhooks`]). Each returns its
//!    own error type.
//! 4. **Pure core and I/O edge**: the normalization rules and validators ([`normalize`], no
//!    I/O) and the single Clio client ([`clio`]: limiter, retries, paging, errors, API types).
//! 5. **Foundations**: domain types both of those use ([`field_type`]), settings
//!    ([`config`], [`http_security`], [`privacy`], [`gate`], [`upload_dirs`]), owner-only files and reviewer-file
//!    formats ([`files`], [`export`]), and the registry of background tasks ([`background`]).
//!
//! [`sandbox`] is the fake Clio (axum) the demo and the tests run against. It stands beside
//! the services: the faces and the process may start one; no service, and nothing below,
//! ever names it.

// 1. Faces
pub mod cli;
pub mod handler;
pub mod server;
pub mod tools;

// 2. The process
pub mod app;

// 3. Services
pub mod audit;
pub mod auth;
pub mod documents;
pub mod inventory;
pub mod jobs;
pub mod plan;
pub mod webhooks;

// The fake Clio, beside the services
pub mod sandbox;

// 4. Pure core and I/O edge
pub mod clio;
pub mod normalize;

// 5. Foundations
pub mod background;
pub mod config;
pub mod export;
pub mod field_type;
pub mod files;
pub mod gate;
pub mod http_security;
pub mod privacy;
pub mod text;
pub mod upload_dirs;

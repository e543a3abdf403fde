//! Long work that outlives a tool call: the background runner (scans now, write jobs later).

pub mod runner;

pub use runner::Runner;

//! The embedded fake Clio Manage API: seed data, fault injection, per-token rate limiting.

//! The append-only, hash-chained audit log, its reader and verifier.

//! The parts of a multipart upload as a request names them: contiguous numbers from 1, at
//! most 50, each at least 5 MB but the last; and fresh signed URLs for them.

use std::collections::BTreeMap;

use axum::response::Response;
use chrono::{Duration, Utc};
use serde_json::Value;

use crate::sandbox::documents::invalid;
use crate::sandbox::state::{PartRec, SandboxState};

const MIN_PART: u64 = 5 * 1024 * 1024;
const MAX_PARTS: usize = 50;

/// `multiparts` of a request: contiguous part numbers from 1, at most 50, each at least 5 MB
/// but the last.
pub fn parse_parts(data: &serde_json::Map<String, Value>) -> Result<Option<Vec<u64>>, Response> {
    let Some(list) = data.get("multiparts") else {
        return Ok(None);
    };
    let Some(items) = list
        .as_array()
        .filter(|a| !a.is_empty() && a.len() <= MAX_PARTS)
    else {
        return Err(invalid("multiparts must list 1 to 50 parts"));
    };
    let mut lengths = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let number = item.get("part_number").and_then(Value::as_u64);
        let Some(len) = item.get("content_length").and_then(Value::as_u64) else {
            return Err(invalid("every part needs a content_length"));
        };
        if number != Some(i as u64 + 1) {
            return Err(invalid("part_number must count 1, 2, 3, ... in order"));
        }
        lengths.push(len);
    }
    Ok(Some(lengths))
}

pub fn check_sizes(lengths: &[u64]) -> Result<(), Response> {
    let n = lengths.len();
    if lengths[..n.saturating_sub(1)].iter().any(|l| *l < MIN_PART) {
        return Err(invalid(
            "every part but the last must be at least 5 MB (5242880 bytes)",
        ));
    }
    Ok(())
}

pub fn new_parts(state: &SandboxState, lengths: &[u64]) -> BTreeMap<u32, PartRec> {
    let expires = Utc::now() + Duration::hours(8);
    (1u32..)
        .zip(lengths)
        .map(|(n, len)| {
            (
                n,
                PartRec {
                    content_length: *len,
                    signature: state.new_secret("part-sig"),
                    expires_at: expires,
                    received: None,
                },
            )
        })
        .collect()
}

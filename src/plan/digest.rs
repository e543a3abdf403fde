//! The content hash of a plan: what a reviewer saw, in a form an apply can check.

use serde_json::json;
use sha2::{Digest, Sha256};

use super::model::{PlanHeader, PlanItem};

/// SHA-256 (hex) over the plan's fields, source and scope, then every item in matter and
/// field order, one JSON line each. Counts, status and times are left out: they describe the
/// plan, they are not its content.
pub fn content_hash(header: &PlanHeader, items: &[PlanItem]) -> String {
    let mut hasher = Sha256::new();
    let definition = json!({
        "fields": header.fields,
        "source": header.source,
        "scope": header.scope,
    });
    hasher.update(definition.to_string().as_bytes());
    hasher.update(b"\n");
    let mut ordered: Vec<&PlanItem> = items.iter().collect();
    ordered.sort_by_key(|i| (i.matter_id, i.field_id));
    for item in ordered {
        // Serialising our own plain struct cannot fail; an empty line would still change the hash.
        hasher.update(serde_json::to_string(item).unwrap_or_default().as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

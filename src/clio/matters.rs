//! Typed reads of matters: list with filters, read one, read many by id.

use crate::clio::types::{Data, Matter};
use crate::clio::{ApiRequest, ClioClient, ClioError};

/// What every read of values for a write asks for: the matter's etag (the `If-Match` of the
/// write) and each value with its value-instance id, definition and type. Nothing else:
/// descriptions are privileged text a normalization does not need.
pub const VALUE_READ_FIELDS: &str = "id,etag,display_number,\
custom_field_values{id,etag,value,field_name,field_type,custom_field,picklist_option}";

/// Clio's largest page.
pub const MAX_PAGE: u32 = 200;

/// Filters for listing matters.
#[derive(Debug, Clone, Default)]
pub struct MatterQuery {
    pub query: Option<String>,
    /// `open`, `pending`, `closed` (lower case on requests).
    pub status: Option<String>,
    /// ISO 8601 timestamp.
    pub updated_since: Option<String>,
    pub ids: Vec<u64>,
    pub custom_field_ids: Vec<u64>,
    /// Clio's `fields` selection; `None` returns only `id` and `etag`.
    pub fields: Option<String>,
    /// 1 to 200.
    pub limit: Option<u32>,
}

impl MatterQuery {
    pub fn request(&self) -> ApiRequest {
        let mut req = ApiRequest::get("matters.json").query(
            "limit",
            self.limit
                .unwrap_or(MAX_PAGE)
                .clamp(1, MAX_PAGE)
                .to_string(),
        );
        if let Some(fields) = &self.fields {
            req = req.query("fields", fields.clone());
        }
        if let Some(q) = &self.query {
            req = req.query("query", q.clone());
        }
        if let Some(s) = &self.status {
            req = req.query("status", s.to_ascii_lowercase());
        }
        if let Some(u) = &self.updated_since {
            req = req.query("updated_since", u.clone());
        }
        for id in &self.ids {
            req = req.query("ids[]", id.to_string());
        }
        for id in &self.custom_field_ids {
            req = req.query("custom_field_ids[]", id.to_string());
        }
        req
    }
}

/// Matter ids per list request: Clio's largest page, so each chunk is one request.
pub const IDS_PER_READ: usize = MAX_PAGE as usize;

impl ClioClient {
    /// The matters `ids` (those Clio returns: a missing one does not exist or may not be
    /// seen), each with `fields` and only the custom field values of `custom_field_ids` (all
    /// when empty): one list request per 200 ids instead of one request per matter.
    pub async fn matters_by_ids(
        &self,
        ids: &[u64],
        custom_field_ids: &[u64],
        fields: &str,
    ) -> Result<Vec<Matter>, ClioError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_READ) {
            let first = MatterQuery {
                ids: chunk.to_vec(),
                custom_field_ids: custom_field_ids.to_vec(),
                fields: Some(fields.to_string()),
                limit: Some(MAX_PAGE),
                ..Default::default()
            }
            .request()
            .query("order", "id(asc)");
            out.extend(self.all::<Matter>(first).await?);
        }
        Ok(out)
    }

    /// One matter with the given `fields` (ETag-cached).
    pub async fn get_matter(&self, id: u64, fields: &str) -> Result<Matter, ClioError> {
        let req = ApiRequest::get(format!("matters/{id}.json"))
            .query("fields", fields)
            .cached();
        Ok(self.call::<Data<Matter>>(req).await?.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_repeats_array_parameters_and_caps_the_limit() {
        let q = MatterQuery {
            ids: vec![1, 2],
            status: Some("Open".into()),
            limit: Some(5000),
            ..Default::default()
        };
        let req = q.request();
        let pairs: Vec<(&str, &str)> = req
            .query
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert!(pairs.contains(&("limit", "200")));
        assert!(pairs.contains(&("status", "open")));
        assert_eq!(pairs.iter().filter(|(k, _)| *k == "ids[]").count(), 2);
    }
}

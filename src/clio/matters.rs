//! Typed calls on matters: list with filters, read one, write custom field values with If-Match.

use reqwest::Method;

use serde_json::{Value, json};

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

/// One custom field change, in the shapes Clio accepts. An update names the value-instance id
/// read from this very matter, never a definition id (that write lands on another record).
#[derive(Debug, Clone, PartialEq)]
pub enum ValueWrite {
    Update { value_id: String, value: Value },
    Create { definition_id: u64, value: Value },
    Destroy { value_id: String },
}

impl ValueWrite {
    fn to_json(&self) -> Value {
        match self {
            ValueWrite::Update { value_id, value } => json!({"id": value_id, "value": value}),
            ValueWrite::Create {
                definition_id,
                value,
            } => json!({"custom_field": {"id": definition_id}, "value": value}),
            ValueWrite::Destroy { value_id } => json!({"id": value_id, "_destroy": true}),
        }
    }
}

impl ClioClient {
    /// One matter with the given `fields` (ETag-cached).
    pub async fn get_matter(&self, id: u64, fields: &str) -> Result<Matter, ClioError> {
        let req = ApiRequest::get(format!("matters/{id}.json"))
            .query("fields", fields)
            .cached();
        Ok(self.call::<Data<Matter>>(req).await?.data)
    }

    /// Writes custom field values on one matter, guarded by the etag read with them.
    /// 412 means the matter changed since: re-read and decide again.
    pub async fn write_custom_field_values(
        &self,
        matter_id: u64,
        etag: &str,
        writes: &[ValueWrite],
        fields: &str,
    ) -> Result<Matter, ClioError> {
        let body = json!({"data": {"custom_field_values":
            writes.iter().map(ValueWrite::to_json).collect::<Vec<_>>()}});
        let req = ApiRequest::new(Method::PATCH, format!("matters/{matter_id}.json"))
            .query("fields", fields)
            .json(body)
            .if_match(etag);
        Ok(self.call::<Data<Matter>>(req).await?.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_shapes_match_clio() {
        let u = ValueWrite::Update {
            value_id: "text_line-9".into(),
            value: json!("X"),
        };
        assert_eq!(u.to_json(), json!({"id": "text_line-9", "value": "X"}));
        let c = ValueWrite::Create {
            definition_id: 3,
            value: json!("X"),
        };
        assert_eq!(
            c.to_json(),
            json!({"custom_field": {"id": 3}, "value": "X"})
        );
        let d = ValueWrite::Destroy {
            value_id: "picklist-2".into(),
        };
        assert_eq!(d.to_json(), json!({"id": "picklist-2", "_destroy": true}));
    }

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

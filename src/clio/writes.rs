//! Custom field writes made only from a read of the very matter they change: the misdirected
//! write of Clio's value-instance-id trap cannot be built.
//!
//! Clio looks an update's value-instance id up across the whole account, so a definition id
//! (or another matter's instance id) in that slot silently overwrites some other matter. A
//! [`ValueWrite`] can only be made from a [`Matter`] as Clio returned it: an update takes the
//! instance id that read shows for the field, a create is made only when the read shows none,
//! and [`ClioClient::write_custom_field_values`] refuses a write made from another matter's read.
//!
//! ```compile_fail
//! // There is no way to hand a write an id of your choosing:
//! let w = clio_mcp::clio::writes::ValueWrite::Update {
//!     value_id: "text_line-4101".to_string(),
//!     value: serde_json::json!("x"),
//! };
//! ```

use reqwest::Method;
use serde_json::{Value, json};

use crate::clio::types::{Data, Matter};
use crate::clio::{ApiRequest, ClioClient, ClioError};

/// One custom field change on one matter, in a shape Clio accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueWrite {
    matter_id: u64,
    field_id: u64,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Update { value_id: String, value: Value },
    Create { value: Value },
    Destroy { value_id: String },
}

/// The value-instance id `read` shows for the definition `field_id`, if it has a value.
fn instance_id(read: &Matter, field_id: u64) -> Option<String> {
    read.custom_field_values
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|v| v.definition_id() == Some(field_id))
        .and_then(|v| v.id.clone())
}

impl ValueWrite {
    /// Sets the field `field_id` of the matter `read` to `value`: an update of the value
    /// instance the read shows for that field, or a create on the definition when it shows none.
    pub fn set(read: &Matter, field_id: u64, value: Value) -> ValueWrite {
        let kind = match instance_id(read, field_id) {
            Some(value_id) => Kind::Update { value_id, value },
            None => Kind::Create { value },
        };
        ValueWrite {
            matter_id: read.id,
            field_id,
            kind,
        }
    }

    /// Clears the field `field_id` of the matter `read`; `None` when the read shows no value.
    pub fn clear(read: &Matter, field_id: u64) -> Option<ValueWrite> {
        let value_id = instance_id(read, field_id)?;
        Some(ValueWrite {
            matter_id: read.id,
            field_id,
            kind: Kind::Destroy { value_id },
        })
    }

    pub fn matter_id(&self) -> u64 {
        self.matter_id
    }

    /// The definition id of the field written.
    pub fn field_id(&self) -> u64 {
        self.field_id
    }

    /// The value-instance id written to, read from this matter; `None` for a create.
    pub fn value_instance_id(&self) -> Option<&str> {
        match &self.kind {
            Kind::Update { value_id, .. } | Kind::Destroy { value_id } => Some(value_id),
            Kind::Create { .. } => None,
        }
    }

    /// Whether this write creates the field's value (rollback then clears it).
    pub fn is_create(&self) -> bool {
        matches!(self.kind, Kind::Create { .. })
    }

    /// The value written; `None` for a clear.
    pub fn value(&self) -> Option<&Value> {
        match &self.kind {
            Kind::Update { value, .. } | Kind::Create { value } => Some(value),
            Kind::Destroy { .. } => None,
        }
    }

    fn to_json(&self) -> Value {
        match &self.kind {
            Kind::Update { value_id, value } => json!({"id": value_id, "value": value}),
            Kind::Create { value } => {
                json!({"custom_field": {"id": self.field_id}, "value": value})
            }
            Kind::Destroy { value_id } => json!({"id": value_id, "_destroy": true}),
        }
    }
}

impl ClioClient {
    /// Writes `writes`, all made from `read`, in one `PATCH` guarded by the etag of that read
    /// (`If-Match`). A 412 means the matter changed since: re-read and decide again. The
    /// request is sent at most once once it may have reached Clio: a lost answer comes back
    /// as [`ClioError::UnknownOutcome`], to be resolved by re-reading, never by resending.
    pub async fn write_custom_field_values(
        &self,
        read: &Matter,
        writes: &[ValueWrite],
        fields: &str,
    ) -> Result<Matter, ClioError> {
        let etag = read.etag.as_deref().ok_or_else(|| ClioError::Refused {
            message: format!(
                "matter {} was read without its etag; read it with `etag` before writing",
                read.id
            ),
        })?;
        if let Some(stray) = writes.iter().find(|w| w.matter_id != read.id) {
            return Err(ClioError::Refused {
                message: format!(
                    "a write of matter {} was made from a read of matter {}; every write must \
                     come from a read of the matter it changes",
                    read.id, stray.matter_id
                ),
            });
        }
        if writes.is_empty() {
            return Err(ClioError::Refused {
                message: format!("nothing to write to matter {}", read.id),
            });
        }
        let body = json!({"data": {"custom_field_values":
            writes.iter().map(ValueWrite::to_json).collect::<Vec<_>>()}});
        let req = ApiRequest::new(Method::PATCH, format!("matters/{}.json", read.id))
            .query("fields", fields)
            .json(body)
            .if_match(etag)
            .at_most_once();
        Ok(self.call::<Data<Matter>>(req).await?.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: Value) -> Matter {
        serde_json::from_value(json).unwrap()
    }

    fn matter() -> Matter {
        read(json!({"id": 7, "etag": "\"e\"", "custom_field_values": [
            {"id": "text_line-9", "value": "old", "custom_field": {"id": 3}},
            {"id": null, "value": null, "custom_field": {"id": 4}},
        ]}))
    }

    #[test]
    fn shapes_come_from_the_read_of_the_matter() {
        let m = matter();
        let u = ValueWrite::set(&m, 3, json!("X"));
        assert_eq!(u.to_json(), json!({"id": "text_line-9", "value": "X"}));
        assert_eq!(u.value_instance_id(), Some("text_line-9"));
        let c = ValueWrite::set(&m, 4, json!("X"));
        assert!(c.is_create());
        assert_eq!(
            c.to_json(),
            json!({"custom_field": {"id": 4}, "value": "X"})
        );
        // A field the read did not show at all is a create too, never an id guessed from it.
        let c = ValueWrite::set(&m, 4101, json!("X"));
        assert_eq!(
            c.to_json(),
            json!({"custom_field": {"id": 4101}, "value": "X"})
        );
        let d = ValueWrite::clear(&m, 3).unwrap();
        assert_eq!(d.to_json(), json!({"id": "text_line-9", "_destroy": true}));
        assert_eq!(ValueWrite::clear(&m, 4), None);
    }
}

//! Tool `apply_custom_field`: one value written to one matter, from the server's own read of
//! that matter (there is no value-instance id argument: the server finds it), audited before
//! and after.

use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::handler::ClioMcpServer;
use crate::jobs::JobError;
use crate::jobs::single::WriteOutcome;
use crate::tools::args::Args;
use crate::tools::args::text::{self, GIVEN_CHARS};
use crate::tools::{internal, structured, user_error};

const TOOL: &str = "apply_custom_field";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCustomFieldArgs {
    pub matter_id: u64,
    /// Field name (case-insensitive) or definition id.
    pub field: String,
    /// New value (picklist: option id or exact label); null clears it.
    #[serde(deserialize_with = "present")]
    #[schemars(required, schema_with = "nullable_string")]
    pub value: Option<String>,
}

/// Deserializes a field that must be given, where `null` is a value (it clears).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

fn nullable_string(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": ["string", "null"]})
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ApplyCustomFieldOutput {
    pub outcome: WriteOutcome,
    pub matter_id: u64,
    pub field: String,
    /// The value read just before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The value asked for, as written (a picklist label as its option id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// The audit log entry of the write intent (or of the skip).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub next_step: String,
}

#[tool_router(router = apply_custom_field_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// Write one custom field value of one matter (null clears). The server reads the matter,
    /// validates the value, skips an equal one and logs the intent before writing.
    #[tool(
        name = "apply_custom_field",
        title = "Write a value",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        ),
        input_schema = crate::tools::args::schema::<ApplyCustomFieldArgs>(),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ApplyCustomFieldOutput>()
    )]
    async fn apply_custom_field(
        &self,
        Args(args): Args<ApplyCustomFieldArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let result = match self
            .jobs
            .write_one(
                args.matter_id,
                args.field.trim(),
                args.value.as_deref(),
                TOOL,
            )
            .await
        {
            Ok(r) => r,
            Err(e @ JobError::Audit(_)) => {
                return Err(internal(
                    "could not write the audit log, so nothing was written to Clio",
                    &e,
                ));
            }
            Err(e) => return user_error(e.to_string()),
        };
        let privacy = self.settings.privacy;
        let picklist = result.field_type == "picklist";
        let show = |v: &Option<String>| {
            v.as_deref().map(|v| {
                if picklist {
                    v.to_string()
                } else {
                    privacy.show(v)
                }
            })
        };
        let values: Vec<&str> = [&result.old, &result.new]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let next_step = match result.outcome {
            WriteOutcome::Changed => format!(
                "Written and audited (entry {}). audit_log with matter_id {} shows it; to undo, \
                 write the old value back the same way.",
                result.audit_seq.unwrap_or(0),
                result.matter_id
            ),
            WriteOutcome::Unchanged => "It already held this value: nothing was sent.".to_string(),
            WriteOutcome::Conflict => "Someone changed this matter a moment ago: read it again \
                 with read_matter_fields and ask the person before writing."
                .to_string(),
            WriteOutcome::Refused => {
                "Nothing was written: tell the person why (reason).".to_string()
            }
        };
        let out = ApplyCustomFieldOutput {
            outcome: result.outcome,
            matter_id: result.matter_id,
            field: result.field.clone(),
            old: show(&result.old),
            // A refused value may be anything the assistant sent: quoted cut and cleaned.
            new: match result.outcome {
                WriteOutcome::Refused => show(&result.new).map(|v| text::clean(&v, GIVEN_CHARS)),
                _ => show(&result.new),
            },
            audit_seq: result.audit_seq,
            reason: result
                .reason
                .as_deref()
                .map(|r| privacy.show_reason(r, &values)),
            next_step,
        };
        let text = format!(
            "{}: matter {} {}: {} -> {}{}",
            serde_json::to_value(out.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            out.matter_id,
            out.field,
            out.old.as_deref().unwrap_or("(none)"),
            out.new.as_deref().unwrap_or("(none)"),
            out.reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
        structured(&out, text)
    }
}

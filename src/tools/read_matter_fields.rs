//! Tool `read_matter_fields`: custom field values of a few matters, resolved and audited.

use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clio::types::CustomField;
use crate::handler::ClioMcpServer;
use crate::tools::args::{ArgError, Args, text};
use crate::tools::matter_view::{self, FieldFilter, MatterFields};
use crate::tools::{internal, structured, user_error};

/// Most matters read in one call.
pub const MAX_MATTERS: usize = 20;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadMatterFieldsArgs {
    /// The matter ids to read, 1 to 20.
    pub matter_ids: Vec<u64>,
    /// Only these fields, by name (case-insensitive) or definition id.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ReadMatterFieldsOutput {
    /// One per requested matter, in the order given.
    pub matters: Vec<MatterFields>,
}

#[tool_router(router = read_matter_fields_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// Custom field values of up to 20 matters (one request), with definition and
    /// value-instance ids. Every read is audited (matters and fields, not values).
    #[tool(
        name = "read_matter_fields",
        title = "Read matter custom fields",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        input_schema = crate::tools::args::schema::<ReadMatterFieldsArgs>(),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ReadMatterFieldsOutput>()
    )]
    async fn read_matter_fields(
        &self,
        Args(args): Args<ReadMatterFieldsArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let mut ids = args.matter_ids.clone();
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(*id));
        if ids.is_empty() {
            return user_error("give at least one matter id (find them with find_matters)");
        }
        if ids.len() > MAX_MATTERS {
            return user_error(format!(
                "at most {MAX_MATTERS} matters per call ({} given); read them in batches",
                ids.len()
            ));
        }
        let definitions = match self.planner.fields().matter_fields().await {
            Ok(d) => d,
            Err(e) => return user_error(e.to_string()),
        };
        let wanted = args.fields.as_deref().unwrap_or_default();
        if let Some(e) = unknown_field(wanted, &definitions) {
            return Err(e.into());
        }
        let filter = FieldFilter::new(wanted);
        let matters = matter_view::read_fields(
            &self.client,
            &self.audit,
            "read_matter_fields",
            &ids,
            &definitions,
            &filter,
        )
        .await
        .map_err(|e| {
            internal(
                "could not record the read in the audit log, so no values are returned",
                &e,
            )
        })?;
        let matters = match matters {
            Ok(m) => m,
            Err(e) => return user_error(e.to_string()),
        };
        let privacy = self.settings.privacy;
        let matters: Vec<MatterFields> = matters.into_iter().map(|m| m.shown(privacy)).collect();
        let mut text = String::new();
        for m in &matters {
            let number = m.display_number.as_deref().unwrap_or("?");
            match &m.error {
                Some(e) => text.push_str(&format!("matter {}: {e}\n", m.matter_id)),
                None => text.push_str(&format!(
                    "{number} [{}]: {} values\n",
                    m.matter_id,
                    m.fields.len()
                )),
            }
        }
        structured(
            &ReadMatterFieldsOutput { matters },
            text.trim_end().to_string(),
        )
    }
}

/// Most field names listed when a wanted one is unknown.
const NAMES_LISTED: usize = 20;

/// The first wanted field that names no matter field (by name, case-insensitive, or id), as
/// an error listing the fields there are.
fn unknown_field(wanted: &[String], definitions: &[CustomField]) -> Option<ArgError> {
    let (index, given) = wanted.iter().enumerate().find(|(_, w)| {
        let w = w.trim();
        !w.is_empty()
            && !definitions
                .iter()
                .any(|d| d.name.trim().eq_ignore_ascii_case(w) || d.id.to_string() == w)
    })?;
    let live: Vec<String> = definitions
        .iter()
        .filter(|d| !d.deleted)
        .map(|d| format!("{} ({})", text::clean(&d.name, 60), d.id))
        .collect();
    let more = match live.len() {
        n if n > NAMES_LISTED => format!(" and {} more (list_custom_fields)", n - NAMES_LISTED),
        _ => String::new(),
    };
    let listed: Vec<&str> = live.iter().take(NAMES_LISTED).map(String::as_str).collect();
    Some(ArgError::new(
        format!("fields[{index}]"),
        format!(
            "fields[{index}]: there is no matter field {}; accepted: a name or id of {}{more}. \
             Example: \"fields\": [\"{}\"]",
            text::given_text(given),
            listed.join(", "),
            definitions
                .first()
                .map_or("Phone".to_string(), |d| text::clean(&d.name, 60))
        ),
    ))
}

//! Tool `audit_log`: browse the audit log with filters, paged, read-only.

use rmcp::model::CallToolResult;
use rmcp::{ErrorData, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::{Action, AuditEntry, AuditFilter};
use crate::handler::ClioMcpServer;
use crate::tools::args::{self, ArgError, Args, cursor};
use crate::tools::{internal, structured, user_error};

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;
/// What cursors of this tool are sealed for.
const SCOPE: &str = "audit_log";
/// Matter ids and field names listed per read entry; the counts say how many there were.
const LIST_CAP: usize = 20;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditLogArgs {
    /// Only entries about this matter, reads that covered it included.
    #[serde(default)]
    pub matter_id: Option<u64>,
    /// Only entries of this job.
    #[serde(default)]
    pub job_id: Option<String>,
    /// Only entries of this plan.
    #[serde(default)]
    pub plan_id: Option<String>,
    /// Only this action, e.g. `read`, `write-done`, `conflict`, `failed`, `rollback`.
    #[serde(default)]
    pub action: Option<String>,
    /// Only entries at or after this RFC 3339 time, e.g. `2024-05-01T00:00:00Z`.
    #[serde(default)]
    pub since: Option<String>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Per page, 1 to 100 (default 20).
    #[serde(default)]
    pub limit: Option<u32>,
}

// One audit entry (hash chain omitted). Plain comments on output types keep them out of the
// schema.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditRow {
    pub seq: u64,
    pub ts: String,
    pub user: String,
    pub tool: String,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matter_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_instance_id: Option<String>,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub old_value: Value,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub new_value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Reads: matters read, the first 20 in `read_matters`.
    #[serde(skip_serializing_if = "is_zero")]
    pub read_matter_count: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read_matters: Vec<u64>,
    /// Reads: the first 20 fields read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read_fields: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl AuditRow {
    fn from_entry(e: AuditEntry) -> AuditRow {
        AuditRow {
            seq: e.seq,
            ts: e.ts.to_rfc3339(),
            user: e.user,
            tool: e.tool,
            action: e.action.to_string(),
            matter_id: e.matter_id,
            field_name: e.field_name,
            value_instance_id: e.value_instance_id,
            old_value: e.old_value,
            new_value: e.new_value,
            outcome: e.outcome,
            job_id: e.job_id,
            plan_id: e.plan_id,
            detail: e.detail,
            read_matter_count: e.read_matters.len(),
            read_matters: e.read_matters.into_iter().take(LIST_CAP).collect(),
            read_fields: e.read_fields.into_iter().take(LIST_CAP).collect(),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditLogOutput {
    pub entries: Vec<AuditRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[tool_router(router = audit_log_router, vis = "pub(crate)")]
impl ClioMcpServer {
    /// The audit log of value reads and changes, oldest first, filtered by matter, job, plan,
    /// action or time; paged with `next_cursor`.
    #[tool(
        name = "audit_log",
        title = "Audit log",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        input_schema = crate::tools::args::schema::<AuditLogArgs>(),
        output_schema = rmcp::handler::server::tool::schema_for_output::<AuditLogOutput>()
    )]
    async fn audit_log(&self, Args(args): Args<AuditLogArgs>) -> Result<CallToolResult, ErrorData> {
        let action = match args.action.as_deref().map(str::parse::<Action>) {
            None => None,
            Some(Ok(a)) => Some(a),
            Some(Err(_)) => {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
                return Err(ArgError::new(
                    "action",
                    format!(
                        "action: {} is not an audit action; accepted: one of {}. Example: \
                         \"action\": \"read\"",
                        args::text::given_text(args.action.as_deref().unwrap_or_default()),
                        names.join(", ")
                    ),
                )
                .into());
            }
        };
        let since = match args
            .since
            .as_deref()
            .map(chrono::DateTime::parse_from_rfc3339)
        {
            None => None,
            Some(Ok(t)) => Some(t.with_timezone(&chrono::Utc)),
            Some(Err(_)) => {
                return user_error("since is not an RFC 3339 time; use e.g. 2024-05-01T00:00:00Z");
            }
        };
        let cursor = match cursor::open_opt(SCOPE, args.cursor.as_deref())? {
            None => None,
            Some(inner) => Some(inner.parse::<u64>().map_err(|_| {
                ArgError::new(
                    "cursor",
                    "cursor: not one this tool handed out; leave it out",
                )
            })?),
        };
        let filter = AuditFilter {
            matter: args.matter_id,
            job: args.job_id.clone(),
            plan: args.plan_id.clone(),
            action,
            since,
        };
        let limit = args::limit(args.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        let dir = self.audit_dir();
        let page =
            tokio::task::spawn_blocking(move || crate::audit::query(&dir, &filter, cursor, limit))
                .await
                .map_err(|e| internal("the audit query stopped unexpectedly", &e))?
                .map_err(|e| internal("could not read the audit log", &e))?;
        let privacy = self.settings.privacy;
        let entries: Vec<AuditRow> = page
            .entries
            .into_iter()
            .map(|e| {
                let mut row = AuditRow::from_entry(e);
                if privacy.is_redacted() {
                    row.old_value = crate::privacy::mask_json(&row.old_value);
                    row.new_value = crate::privacy::mask_json(&row.new_value);
                }
                row
            })
            .collect();
        let mut text = format!("{} audit entries", entries.len());
        for e in entries.iter().take(10) {
            text.push_str(&format!(
                "\n#{} {} {} {}",
                e.seq,
                e.ts,
                e.action,
                e.matter_id
                    .map(|m| format!("matter {m}"))
                    .unwrap_or_else(|| format!("{} matters", e.read_matter_count))
            ));
        }
        let out = AuditLogOutput {
            entries,
            next_cursor: page
                .next_cursor
                .map(|c| cursor::seal(SCOPE, &c.to_string())),
        };
        if out.next_cursor.is_some() {
            text.push_str("\nMore on the next page (next_cursor).");
        }
        structured(&out, text)
    }
}

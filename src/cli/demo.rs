//! The demo: an in-process sandbox, the field inventory by type, and a look at messy values.

use std::collections::BTreeMap;
use std::io::Write;
use std::num::NonZeroU32;

use futures::TryStreamExt;

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::error::CliError;
use crate::clio::matters::{MatterQuery, VALUE_READ_FIELDS};
use crate::clio::types::{CustomField, Matter};
use crate::clio::{ClioClient, ClioError, RetryPolicy};
use crate::field_type::FieldType;
use crate::normalize::Rule;
use crate::plan::ItemClass;
use crate::plan::request::ProposeRequest;
use crate::sandbox::{Sandbox, SandboxOptions};

/// What the demo runs on.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub matters: u32,
    pub seed: u64,
    /// Both the sandbox's budget and the client's ceiling (a fast budget so the demo is quick).
    pub rate_limit: u32,
    /// State folder; the demo's plans, previews and audit log go to `<home>/sandbox`.
    pub home: Option<PathBuf>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            matters: 2_000,
            seed: 1,
            rate_limit: 1_200,
            home: None,
        }
    }
}

/// Runs the demo, writing a readable report to `out`.
pub async fn run(options: &DemoOptions, out: &mut dyn Write) -> Result<(), CliError> {
    let sandbox = Sandbox::start(SandboxOptions {
        matters: options.matters,
        seed: options.seed,
        rate_limit: options.rate_limit,
        ..Default::default()
    })
    .await?;
    let rate = NonZeroU32::new(options.rate_limit).unwrap_or(NonZeroU32::MIN);
    let client = ClioClient::new(&sandbox.clio_config(rate)?, RetryPolicy::fast())?;
    let user = client.who_am_i().await?;
    writeln!(
        out,
        "clio-mcp demo: an embedded Clio sandbox at {} with {} matters",
        sandbox.base_url, options.matters
    )?;
    writeln!(
        out,
        "Signed in as {} (user {})\n",
        user.name.as_deref().unwrap_or("?"),
        user.id
    )?;

    let fields = client.custom_fields("matter").await?;
    let (total, counts) = count_values(&client).await?;
    writeln!(
        out,
        "Custom field inventory, by type (values set / matters):"
    )?;
    let mut by_type: BTreeMap<String, Vec<&CustomField>> = BTreeMap::new();
    for f in &fields {
        by_type.entry(f.field_type.clone()).or_default().push(f);
    }
    for (kind, defs) in &by_type {
        let advice = FieldType::advice_for(kind);
        writeln!(out, "  {kind}: {advice}")?;
        for f in defs {
            let set = counts.get(&f.id).copied().unwrap_or(0);
            let deleted = if f.deleted { " (deleted)" } else { "" };
            let gone = f
                .picklist_options
                .iter()
                .filter(|o| o.deleted_at.is_some())
                .count();
            let options = match f.picklist_options.len() {
                0 => String::new(),
                n => format!(", {n} options, {gone} deleted"),
            };
            writeln!(
                out,
                "    - {} [id {}]{deleted}: {set} / {}{options}",
                f.name, f.id, total
            )?;
        }
    }

    writeln!(out, "\nA few matters as intake left them:")?;
    let query = MatterQuery {
        fields: Some(VALUE_READ_FIELDS.to_string()),
        limit: Some(5),
        ..Default::default()
    };
    let (first, _) = client.page::<Matter>(query.request()).await?;
    for m in first {
        writeln!(
            out,
            "  {} ({})",
            m.display_number.as_deref().unwrap_or("?"),
            m.id
        )?;
        for v in m.custom_field_values.unwrap_or_default() {
            let name = v.field_name.clone().unwrap_or_default();
            if [
                "Client Address",
                "Client Phone",
                "Fee Quote",
                "Intake Date (typed)",
                "Referral Source",
            ]
            .contains(&name.as_str())
            {
                let shown = v
                    .value_text()
                    .unwrap_or_else(|| "(empty)".to_string())
                    .replace('\n', " / ");
                writeln!(
                    out,
                    "      {name:<22} {shown}   [value id {}]",
                    v.id.as_deref().unwrap_or("none yet")
                )?;
            }
        }
    }
    propose_examples(&client, options, out).await?;
    let metrics = client.metrics();
    writeln!(
        out,
        "\n{} requests to Clio, {} rate limited, {} retried, {} ms waiting for the limiter.",
        metrics.total_requests, metrics.rate_limited, metrics.retries, metrics.waited_ms
    )?;
    writeln!(
        out,
        "{} changes written to Clio: proposing only reads.",
        sandbox.stats().patches_applied
    )?;
    sandbox.stop().await;
    Ok(())
}

/// Proposes a few normalizations and shows what each would change: nothing is written.
async fn propose_examples(
    client: &ClioClient,
    options: &DemoOptions,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let home = match &options.home {
        Some(h) => h.clone(),
        None => crate::app::default_home()?,
    }
    .join("sandbox");
    let planner = crate::app::open_state(client.clone(), &home).await?.planner;
    writeln!(
        out,
        "\nProposed normalizations (plans stored; nothing written):"
    )?;
    let examples: [(&[&str], &str); 5] = [
        (&["Client Address", "Mailing Address"], "address"),
        (&["Client Phone"], "phone"),
        (&["Intake Date (typed)"], "date"),
        (&["Practice Area"], "picklist"),
        (&["Client Email"], "email"),
    ];
    for (fields, rule) in examples {
        let rule: Rule = serde_json::from_value(serde_json::json!({ "rule": rule }))
            .map_err(|e| CliError::Usage(format!("demo rule {rule}: {e}")))?;
        let req = ProposeRequest {
            fields: fields.iter().map(|f| f.to_string()).collect(),
            rule: Some(rule.clone()),
            ..Default::default()
        };
        let id = planner.start(req, "demo").await?;
        let header = planner.wait(&id, Duration::from_secs(3_600)).await?;
        writeln!(
            out,
            "  {} on {}: {}  ({id})",
            rule.name(),
            fields.join(" + "),
            header.counts.classes()
        )?;
        for set in planner.matter_page(&id, ItemClass::Change, 2).await? {
            for i in set {
                writeln!(
                    out,
                    "      {:<12} {}  ->  {}",
                    i.display_number.as_deref().unwrap_or("?"),
                    i.old_text(),
                    i.new_text()
                )?;
            }
        }
        for set in planner.matter_page(&id, ItemClass::NeedsHuman, 1).await? {
            for i in set {
                writeln!(
                    out,
                    "      {:<12} {}  ?  {}",
                    i.display_number.as_deref().unwrap_or("?"),
                    i.old_text(),
                    i.reason.as_deref().unwrap_or("")
                )?;
            }
        }
    }
    writeln!(
        out,
        "  Reviewer files (old and new side by side): {}\n  \
         Try: clio-mcp plan --sandbox list / show ID / export ID --format html",
        home.join("previews").display()
    )?;
    Ok(())
}

/// Counts, per definition, the matters with a value: one page request per 200 matters.
async fn count_values(client: &ClioClient) -> Result<(usize, BTreeMap<u64, usize>), ClioError> {
    let query = MatterQuery {
        fields: Some("id,custom_field_values{id,custom_field}".to_string()),
        ..Default::default()
    };
    let mut counts = BTreeMap::new();
    let mut total = 0;
    let mut pages = Box::pin(client.pages::<Matter>(query.request()));
    while let Some(page) = pages.try_next().await? {
        total += page.len();
        for m in page {
            for v in m.custom_field_values.unwrap_or_default() {
                if let (Some(_), Some(def)) = (&v.id, v.definition_id()) {
                    *counts.entry(def).or_default() += 1;
                }
            }
        }
    }
    Ok((total, counts))
}

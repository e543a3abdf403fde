//! `bench normalize`: one whole normalization pass on a sandbox (a rule proposed over every
//! matter, approved, applied as a job), its requests against the design's floor, its pace
//! against the granted limit, and its wall time against the time those requests must take.

use std::io::Write;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::app::open_state;
use crate::cli::error::CliError;
use crate::clio::matters::MAX_PAGE;
use crate::clio::{ClioClient, RetryPolicy};
use crate::jobs::Origin;
use crate::normalize::Rule;
use crate::plan::request::ProposeRequest;
use crate::privacy::Privacy;
use crate::sandbox::seed::{
    CLIENT_ADDRESS, CLIENT_PHONE, COURT_NAME, FEE_QUOTE, INTAKE_DATE_TEXT, MAILING_ADDRESS,
    OPPOSING_PARTY, REFERRAL_SOURCE,
};
use crate::sandbox::{Sandbox, SandboxOptions};

/// The free-text fields a pass may cover, in order (`--fields N` takes the first N).
const FIELDS: [(u64, &str); 8] = [
    (CLIENT_ADDRESS, "Client Address"),
    (MAILING_ADDRESS, "Mailing Address"),
    (OPPOSING_PARTY, "Opposing Party"),
    (COURT_NAME, "Court Name"),
    (REFERRAL_SOURCE, "Referral Source"),
    (FEE_QUOTE, "Fee Quote"),
    (CLIENT_PHONE, "Client Phone"),
    (INTAKE_DATE_TEXT, "Intake Date (typed)"),
];

/// What `bench normalize` measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NormalizeBench {
    pub matters: u64,
    pub fields: usize,
    pub changed_matters: u64,
    pub granted_per_minute: u32,
    pub scan_requests: u64,
    pub refresh_requests: u64,
    pub write_requests: u64,
    /// Definitions and who-am-I: once per pass, whatever its size.
    pub other_requests: u64,
    /// ceil(N/200) + ceil(C/200) + C.
    pub target_requests: u64,
    /// A read and a write per matter per field, as the seed's field guide designs it.
    pub seed_design_requests: u64,
    pub rate_limited: u64,
    pub wall_seconds: f64,
    /// Requests divided by the limit: the least time they can take.
    pub floor_seconds: f64,
}

/// Runs a pass over `matters` matters and `fields` fields where `changed` of the matters
/// need a change, against a sandbox granting `rate_limit` a minute.
pub async fn normalize(
    matters: u32,
    fields: usize,
    changed: f64,
    rate_limit: u32,
) -> Result<NormalizeBench, CliError> {
    let granted = NonZeroU32::new(rate_limit)
        .ok_or_else(|| CliError::Usage("--rate-limit must be at least 1".into()))?;
    if !(1..=FIELDS.len()).contains(&fields) {
        return Err(CliError::Usage(format!(
            "--fields must be 1 to {}",
            FIELDS.len()
        )));
    }
    if !(0.0..=1.0).contains(&changed) {
        return Err(CliError::Usage(
            "--changed must be 0 to 1, such as 0.4".into(),
        ));
    }
    let sandbox = Sandbox::start(SandboxOptions {
        matters,
        rate_limit,
        ..Default::default()
    })
    .await?;
    // Every value clean but those of the changed share: a whitespace pass then changes
    // exactly those matters, all their fields in one PATCH each.
    let visible: Vec<u64> = {
        let forbidden = sandbox.forbidden_matters();
        sandbox
            .matter_ids()
            .into_iter()
            .filter(|id| !forbidden.contains(id))
            .collect()
    };
    let every = (1.0 / changed.max(f64::EPSILON)).max(1.0);
    for (n, id) in visible.iter().enumerate() {
        let messy = changed > 0.0 && (n as f64 % every) < 1.0;
        for (field, _) in FIELDS.iter().take(fields) {
            let value = if messy {
                "  Typed   twice  "
            } else {
                "Typed once"
            };
            sandbox.edit_behind_the_back(*id, *field, json!(value));
        }
    }
    let home = tempfile_home()?;
    let client = ClioClient::new(&sandbox.clio_config(granted)?, RetryPolicy::fast())?;
    let started = Instant::now();
    let services = open_state(client.clone(), &home).await?;
    let req = ProposeRequest {
        fields: FIELDS
            .iter()
            .take(fields)
            .map(|(_, n)| n.to_string())
            .collect(),
        rule: Some(Rule::Whitespace),
        ..Default::default()
    };
    let planner = &services.planner;
    let id = planner.start(req, "bench normalize").await?;
    let plan = planner.wait(&id, Duration::from_secs(24 * 3600)).await?;
    let before_job = client.metrics().requests;
    let hash = plan.content_hash.clone().unwrap_or_default();
    services
        .jobs
        .approve(&id, &hash, "bench", "clio-mcp bench normalize")
        .await?;
    let job = services
        .jobs
        .prepare(&id, &hash, Origin::Person, "bench")
        .await?;
    services
        .jobs
        .run(&job.id, CancellationToken::new(), &|_| {})
        .await?;
    let wall = started.elapsed().as_secs_f64();
    let view = services.jobs.view(&job.id, None, 1, Privacy::Full).await?;
    let metrics = client.metrics();
    let count =
        |m: &std::collections::BTreeMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0);
    let lists = count(&metrics.requests, "GET /matters");
    let scan = count(&before_job, "GET /matters");
    let writes = count(&metrics.requests, "PATCH /matters/{id}");
    let total = metrics.total_requests;
    let n = visible.len() as u64;
    let c = view.counts.matters;
    let page = u64::from(MAX_PAGE);
    std::fs::remove_dir_all(&home).ok();
    sandbox.stop().await;
    Ok(NormalizeBench {
        matters: n,
        fields,
        changed_matters: c,
        granted_per_minute: rate_limit,
        scan_requests: scan,
        refresh_requests: lists - scan,
        write_requests: writes,
        other_requests: total - lists - writes,
        target_requests: n.div_ceil(page) + c.div_ceil(page) + c,
        seed_design_requests: 2 * n * fields as u64,
        rate_limited: metrics.rate_limited,
        wall_seconds: wall,
        floor_seconds: total as f64 * 60.0 / f64::from(rate_limit),
    })
}

/// A fresh state folder for the pass, removed at the end.
fn tempfile_home() -> Result<std::path::PathBuf, CliError> {
    let dir =
        std::env::temp_dir().join(format!("clio-mcp-bench-{}", uuid::Uuid::new_v4().simple()));
    crate::files::private_dir(&dir)?;
    Ok(dir)
}

pub fn print(b: &NormalizeBench, out: &mut dyn Write) -> std::io::Result<()> {
    let passes = b.scan_requests + b.refresh_requests + b.write_requests;
    writeln!(
        out,
        "bench normalize: {} matters, {} fields, {} change ({:.0}%), granted {} per minute",
        b.matters,
        b.fields,
        b.changed_matters,
        b.changed_matters as f64 * 100.0 / b.matters.max(1) as f64,
        b.granted_per_minute
    )?;
    writeln!(
        out,
        "  requests            {passes} = scan {} + refresh {} + writes {} (target <= {}: {}); \
         plus {} for definitions and who-am-I",
        b.scan_requests,
        b.refresh_requests,
        b.write_requests,
        b.target_requests,
        if passes <= b.target_requests {
            "met"
        } else {
            "MISSED"
        },
        b.other_requests
    )?;
    writeln!(
        out,
        "  per changed matter  {:.3}",
        passes as f64 / b.changed_matters.max(1) as f64
    )?;
    writeln!(
        out,
        "  seed's design       {} requests (a read and a write per matter per field): {:.1}x more",
        b.seed_design_requests,
        b.seed_design_requests as f64 / passes.max(1) as f64
    )?;
    let total = passes + b.other_requests;
    let achieved = total as f64 * 60.0 / b.wall_seconds.max(f64::EPSILON);
    writeln!(
        out,
        "  achieved / granted  {:.3} (target >= 0.95)",
        achieved / f64::from(b.granted_per_minute)
    )?;
    writeln!(out, "  429 answers         {} (target 0)", b.rate_limited)?;
    writeln!(
        out,
        "  wall / floor        {:.1} s / {:.1} s = {:.3} (target <= 1.05)",
        b.wall_seconds,
        b.floor_seconds,
        b.wall_seconds / b.floor_seconds.max(f64::EPSILON)
    )
}

//! `bench upload`: one large file through the whole upload flow (guard, SHA-256, multipart,
//! audit, re-read) on a sandbox that counts the bytes without keeping them, reported as
//! throughput and the process's peak resident memory against the 60 MB target.

use std::io::Write;
use std::num::NonZeroU32;
use std::time::Instant;

use crate::cli::error::CliError;
use crate::clio::{ClioClient, RetryPolicy};
use crate::documents::{Source, UploadRequest};
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::upload_dirs::UploadDirs;

/// The design's ceiling for the process during a large upload.
const TARGET_RSS_MB: f64 = 60.0;

/// The result of `bench upload`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UploadBench {
    pub size_mb: u64,
    pub parts: usize,
    pub elapsed_seconds: f64,
    pub throughput_mb_per_s: f64,
    /// Resident memory before the upload began, and the peak (VmHWM) after it, in MB.
    pub rss_before_mb: Option<f64>,
    pub peak_rss_mb: Option<f64>,
}

/// A `/proc/self/status` line (`VmHWM`, `VmRSS`) in MB; `None` where there is no `/proc`.
fn proc_status_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Writes a file of `size_mb` MB, one MiB at a time, and uploads it to a sandbox matter.
pub async fn upload(size_mb: u64) -> Result<UploadBench, CliError> {
    if size_mb == 0 {
        return Err(CliError::Usage("--size-mb must be at least 1".into()));
    }
    let dir = std::env::temp_dir().join(format!("clio-mcp-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let result = run_in(&dir, size_mb).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(dir: &std::path::Path, size_mb: u64) -> Result<UploadBench, CliError> {
    let path = dir.join("bench.bin");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
        for _ in 0..size_mb {
            file.write_all(&chunk)?;
        }
        file.flush()?;
    }
    let rate = 6_000;
    let sandbox = Sandbox::start(SandboxOptions {
        matters: 10,
        rate_limit: rate,
        keep_upload_bytes: false,
        ..Default::default()
    })
    .await?;
    let granted = NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN);
    let client = ClioClient::new(&sandbox.clio_config(granted)?, RetryPolicy::fast())?;
    let home = dir.join("home");
    let dirs =
        UploadDirs::new(&[dir.to_path_buf()], None).map_err(|e| CliError::Usage(e.to_string()))?;
    let services = crate::app::open_state(client, &home)
        .await?
        .with_upload_dirs(dirs, &home);
    let matter = sandbox.matter_ids().first().copied().unwrap_or(1);
    let before = proc_status_mb("VmRSS:");
    let started = Instant::now();
    let outcome = services
        .documents
        .upload(UploadRequest {
            matter_id: matter,
            source: Source::Path(path),
            name: None,
            content_type: None,
            category: None,
            force: false,
            tool: "bench upload".to_string(),
        })
        .await
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let elapsed = started.elapsed().as_secs_f64().max(f64::EPSILON);
    let peak = proc_status_mb("VmHWM:");
    sandbox.stop().await;
    Ok(UploadBench {
        size_mb,
        parts: outcome.parts,
        elapsed_seconds: elapsed,
        throughput_mb_per_s: size_mb as f64 / elapsed,
        rss_before_mb: before,
        peak_rss_mb: peak,
    })
}

pub fn print(b: &UploadBench, out: &mut dyn Write) -> std::io::Result<()> {
    let mb = |v: Option<f64>| v.map_or("unknown (no /proc)".to_string(), |v| format!("{v:.1} MB"));
    writeln!(
        out,
        "bench upload: {} MB in {} parts to a sandbox matter",
        b.size_mb, b.parts
    )?;
    writeln!(out, "  elapsed            {:.2} s", b.elapsed_seconds)?;
    writeln!(
        out,
        "  throughput         {:.1} MB/s",
        b.throughput_mb_per_s
    )?;
    writeln!(out, "  RSS before         {}", mb(b.rss_before_mb))?;
    writeln!(
        out,
        "  peak RSS (VmHWM)   {} (target < {TARGET_RSS_MB:.0} MB for the whole process)",
        mb(b.peak_rss_mb)
    )?;
    if let Some(peak) = b.peak_rss_mb {
        let verdict = if peak < TARGET_RSS_MB {
            "within"
        } else {
            "OVER"
        };
        writeln!(out, "  verdict            {verdict} the target")?;
    }
    Ok(())
}

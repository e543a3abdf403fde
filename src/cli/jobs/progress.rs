//! How a foreground job shows its progress: a bar (done/total, rate, ETA) on a terminal,
//! plain lines every few seconds when stdout is a pipe or a file.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::jobs::JobCounts;
use crate::jobs::view::requests_left;

/// Plain progress lines at most this often.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Shows a running job's counts.
pub struct Progress {
    bar: Option<ProgressBar>,
    last_line: Mutex<Option<Instant>>,
    started: Instant,
    rate_per_minute: u32,
}

impl Progress {
    /// A bar on a terminal, plain lines otherwise.
    pub fn new(rate_per_minute: u32) -> Progress {
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stdout());
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} values  {per_sec}  ETA {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            last_line: Mutex::new(None),
            started: Instant::now(),
            rate_per_minute,
        }
    }

    /// Seconds left at the request budget for what is not done.
    fn eta(&self, counts: &JobCounts) -> String {
        let secs = requests_left(counts) * 60 / u64::from(self.rate_per_minute.max(1));
        match secs {
            0..=59 => format!("{secs}s"),
            60..=3599 => format!("{}m{:02}s", secs / 60, secs % 60),
            _ => format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60),
        }
    }

    /// Takes in new counts.
    pub fn update(&self, counts: &JobCounts) {
        if let Some(bar) = &self.bar {
            bar.set_length(counts.total);
            bar.set_position(counts.done);
            bar.set_message(self.eta(counts));
            return;
        }
        let mut last = self.last_line.lock().unwrap_or_else(|p| p.into_inner());
        let due = last.is_none_or(|t| t.elapsed() >= LINE_EVERY) || counts.done == counts.total;
        if !due {
            return;
        }
        *last = Some(Instant::now());
        let rate = counts.done as f64 * 60.0 / self.started.elapsed().as_secs_f64().max(1.0);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "progress: {}/{} values ({}/{} matters), {:.0} values/min, ETA {}",
            counts.done,
            counts.total,
            counts.matters_done,
            counts.matters,
            rate,
            self.eta(counts)
        );
        let _ = out.flush();
    }

    /// Removes the bar (the summary follows).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

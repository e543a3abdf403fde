//! Work that outlives a tool call: a small registry of background tasks. Start one under an
//! id, wait for it for a while, ask whether it still runs, cancel it. Progress lives in the
//! store the task writes to, so it survives the process; the runner only owns the tasks.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Cheap to clone; all clones share the same tasks.
#[derive(Clone, Default)]
pub struct Runner {
    tasks: Arc<Mutex<HashMap<String, Task>>>,
}

struct Task {
    done: watch::Receiver<bool>,
    cancel: CancellationToken,
}

/// Marks a task done and forgets it.
struct Finished {
    id: String,
    tasks: Arc<Mutex<HashMap<String, Task>>>,
    done: watch::Sender<bool>,
}

impl Drop for Finished {
    fn drop(&mut self) {
        let _ = self.done.send(true);
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

/// What `wait` saw when it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    /// The task has ended (or was never started in this process).
    Finished,
    /// The task is still running; look at its store for progress.
    StillRunning,
}

impl Runner {
    pub fn new() -> Runner {
        Runner::default()
    }

    fn tasks(&self) -> MutexGuard<'_, HashMap<String, Task>> {
        // The map holds only handles; a panic elsewhere cannot leave it inconsistent.
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts `work` under `id`. It gets a token that is cancelled by [`Runner::cancel`] or
    /// [`Runner::shutdown`]; it should stop at the next safe point when it is.
    pub fn spawn<F, Fut>(&self, id: impl Into<String>, work: F)
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let id = id.into();
        let cancel = CancellationToken::new();
        let (tx, rx) = watch::channel(false);
        let future = work(cancel.clone());
        self.tasks().insert(id.clone(), Task { done: rx, cancel });
        let finished = Finished {
            id,
            tasks: self.tasks.clone(),
            done: tx,
        };
        tokio::spawn(async move {
            // Dropped when the work ends, however it ends (a panic included), so a task can
            // never look as if it were still running.
            let _finished = finished;
            future.await;
        });
    }

    /// How many tasks run now.
    pub fn running(&self) -> usize {
        self.tasks().values().filter(|t| !*t.done.borrow()).count()
    }

    /// True while the task `id` runs in this process.
    pub fn is_running(&self, id: &str) -> bool {
        self.tasks().get(id).is_some_and(|t| !*t.done.borrow())
    }

    /// Waits up to `timeout` for the task `id` to end.
    pub async fn wait(&self, id: &str, timeout: Duration) -> Waited {
        let Some(mut done) = self.tasks().get(id).map(|t| t.done.clone()) else {
            return Waited::Finished;
        };
        match tokio::time::timeout(timeout, done.wait_for(|d| *d)).await {
            Ok(_) => Waited::Finished,
            Err(_) => Waited::StillRunning,
        }
    }

    /// Asks the task `id` to stop; false when no such task runs.
    pub fn cancel(&self, id: &str) -> bool {
        match self.tasks().get(id) {
            Some(t) => {
                t.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Cancels every task and waits up to `grace` for them to stop.
    pub async fn shutdown(&self, grace: Duration) {
        let waiting: Vec<watch::Receiver<bool>> = self
            .tasks()
            .values()
            .map(|t| {
                t.cancel.cancel();
                t.done.clone()
            })
            .collect();
        let all = futures::future::join_all(waiting.into_iter().map(|mut d| async move {
            let _ = d.wait_for(|d| *d).await;
        }));
        let _ = tokio::time::timeout(grace, all).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn wait_returns_still_running_then_finished() {
        let runner = Runner::new();
        runner.spawn("scan", |_| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        assert!(runner.is_running("scan"));
        assert_eq!(
            runner.wait("scan", Duration::from_secs(20)).await,
            Waited::StillRunning
        );
        assert_eq!(
            runner.wait("scan", Duration::from_secs(20)).await,
            Waited::Finished
        );
        tokio::task::yield_now().await;
        assert!(!runner.is_running("scan"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_quick_task_is_waited_for_without_the_timeout() {
        let runner = Runner::new();
        runner.spawn("quick", |_| async {
            tokio::time::sleep(Duration::from_millis(5)).await;
        });
        let started = tokio::time::Instant::now();
        assert_eq!(
            runner.wait("quick", Duration::from_secs(20)).await,
            Waited::Finished
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn cancel_and_shutdown_reach_the_task() {
        let runner = Runner::new();
        let stopped = Arc::new(AtomicU32::new(0));
        for id in ["a", "b"] {
            let stopped = stopped.clone();
            runner.spawn(id, move |cancel| async move {
                cancel.cancelled().await;
                stopped.fetch_add(1, Ordering::SeqCst);
            });
        }
        assert!(runner.cancel("a"));
        assert_eq!(
            runner.wait("a", Duration::from_secs(1)).await,
            Waited::Finished
        );
        assert!(!runner.cancel("unknown"));
        runner.shutdown(Duration::from_secs(1)).await;
        assert_eq!(stopped.load(Ordering::SeqCst), 2);
        assert!(!runner.is_running("b"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_that_panics_is_not_left_running() {
        let runner = Runner::new();
        runner.spawn("boom", |_| async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            panic!("a bug in the task");
        });
        assert_eq!(runner.running(), 1);
        assert_eq!(
            runner.wait("boom", Duration::from_secs(5)).await,
            Waited::Finished
        );
        assert!(!runner.is_running("boom"));
        assert_eq!(runner.running(), 0);
    }

    #[tokio::test]
    async fn unknown_ids_count_as_finished() {
        let runner = Runner::new();
        assert_eq!(
            runner.wait("nope", Duration::from_secs(5)).await,
            Waited::Finished
        );
        assert!(!runner.is_running("nope"));
    }
}

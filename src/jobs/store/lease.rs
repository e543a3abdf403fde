//! The lease in the job store: one process runs a job at a time; a holder beats every few
//! seconds, and one that stopped beating (or whose process is gone) is taken over.

use rusqlite::{OptionalExtension, params};

use super::{JobStore, JobStoreError, now};

/// Who holds a job and when they last said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub holder: String,
    pub heartbeat_at: Option<String>,
}

impl JobStore {
    /// Takes the lease for `me` when nobody holds it, `me` already does, or `stale(holder,
    /// heartbeat)` says the holder stopped. Otherwise returns who holds it.
    pub fn take_lease(
        &self,
        job_id: &str,
        me: &str,
        stale: impl Fn(&str, Option<&str>) -> bool,
    ) -> Result<Result<(), LeaseHolder>, JobStoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current: Option<(Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT holder, heartbeat_at FROM jobs WHERE id = ?1",
                params![job_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((holder, beat)) = current else {
            return Err(JobStoreError::NoSuchJob(job_id.into()));
        };
        if let Some(h) = &holder
            && h != me
            && !stale(h, beat.as_deref())
        {
            return Ok(Err(LeaseHolder {
                holder: h.clone(),
                heartbeat_at: beat,
            }));
        }
        tx.execute(
            "UPDATE jobs SET holder = ?2, heartbeat_at = ?3 WHERE id = ?1",
            params![job_id, me, now()],
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Says `me` is alive; false when the lease was taken over.
    pub fn beat(&self, job_id: &str, me: &str) -> Result<bool, JobStoreError> {
        let n = self.conn().execute(
            "UPDATE jobs SET heartbeat_at = ?3 WHERE id = ?1 AND holder = ?2",
            params![job_id, me, now()],
        )?;
        Ok(n == 1)
    }

    /// Gives the lease up (a run that ended).
    pub fn release(&self, job_id: &str, me: &str) -> Result<(), JobStoreError> {
        self.conn().execute(
            "UPDATE jobs SET holder = NULL WHERE id = ?1 AND holder = ?2",
            params![job_id, me],
        )?;
        Ok(())
    }
}

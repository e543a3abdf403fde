//! Approvals: a person said yes to exactly one content hash of a plan.

use rusqlite::{OptionalExtension, params};

use super::{JobStore, JobStoreError, now};

impl JobStore {
    /// Records that `by` approved exactly `content_hash` of `plan_id`.
    pub fn approve(
        &self,
        plan_id: &str,
        content_hash: &str,
        by: &str,
        via: &str,
    ) -> Result<(), JobStoreError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO approvals (plan_id, content_hash, approved_by, approved_at, via)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![plan_id, content_hash, by, now(), via],
        )?;
        Ok(())
    }

    /// Who approved `content_hash` of `plan_id`, and when; `None` when nobody did.
    pub fn approval(
        &self,
        plan_id: &str,
        content_hash: &str,
    ) -> Result<Option<(String, String)>, JobStoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT approved_by, approved_at FROM approvals
                 WHERE plan_id = ?1 AND content_hash = ?2",
                params![plan_id, content_hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}

//! The values a job writes, each `pending`, `sent` (the write-ahead mark: its PATCH may have
//! gone out) or `done` with its outcome.

use rusqlite::{OptionalExtension, params};

use super::{JobStore, JobStoreError};
use crate::jobs::model::{JobCounts, Outcome};

/// Where one value of a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// Not written yet.
    Pending,
    /// Marked before its PATCH went out; the answer was not recorded (a crash, a lost
    /// answer): resolved by re-reading the matter, never by resending.
    Sent,
    Done,
}

impl ItemState {
    fn as_str(self) -> &'static str {
        match self {
            ItemState::Pending => "pending",
            ItemState::Sent => "sent",
            ItemState::Done => "done",
        }
    }

    fn parse(s: &str) -> Option<ItemState> {
        [ItemState::Pending, ItemState::Sent, ItemState::Done]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// An outcome to store for one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub matter_id: u64,
    pub field_id: u64,
    pub outcome: Outcome,
    pub reason: Option<String>,
    /// The value-instance id written to (the one a create produced).
    pub value_id: Option<String>,
    pub created: bool,
}

/// One value of a job, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JobItem {
    pub matter_id: u64,
    pub field_id: u64,
    pub state: ItemState,
    pub outcome: Option<Outcome>,
    pub reason: Option<String>,
    /// PATCHes marked for it so far.
    pub attempts: u32,
    /// The audit sequence number of the write intent in flight or last sent.
    pub intent_seq: Option<u64>,
    /// The value-instance id written to (the one a create produced, for rollback).
    pub value_id: Option<String>,
    /// The job created this value: rollback clears it.
    pub created: bool,
}

fn item(r: &rusqlite::Row<'_>) -> rusqlite::Result<(JobItem, String, Option<String>)> {
    Ok((
        JobItem {
            matter_id: r.get::<_, i64>(0)?.max(0) as u64,
            field_id: r.get::<_, i64>(1)?.max(0) as u64,
            state: ItemState::Pending,
            outcome: None,
            reason: r.get(4)?,
            attempts: r.get::<_, i64>(5)?.clamp(0, u32::MAX as i64) as u32,
            intent_seq: r.get::<_, Option<i64>>(6)?.map(|s| s.max(0) as u64),
            value_id: r.get(7)?,
            created: r.get::<_, i64>(8)? != 0,
        },
        r.get(2)?,
        r.get(3)?,
    ))
}

const COLUMNS: &str =
    "matter_id, field_id, state, outcome, reason, attempts, intent_seq, value_id, created";

fn finish(row: (JobItem, String, Option<String>)) -> Result<JobItem, JobStoreError> {
    let (mut item, state, outcome) = row;
    item.state = ItemState::parse(&state)
        .ok_or_else(|| JobStoreError::Corrupt(format!("item state {state:?}")))?;
    item.outcome = match outcome {
        None => None,
        Some(o) => Some(
            Outcome::parse(&o).ok_or_else(|| JobStoreError::Corrupt(format!("outcome {o:?}")))?,
        ),
    };
    Ok(item)
}

impl JobStore {
    /// Up to `limit` matters with values not yet done, in id order.
    pub fn open_matters(&self, job_id: &str, limit: usize) -> Result<Vec<u64>, JobStoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT matter_id FROM job_items
             WHERE job_id = ?1 AND state != 'done' ORDER BY matter_id LIMIT ?2",
        )?;
        let ids = stmt
            .query_map(params![job_id, limit as i64], |r| r.get::<_, i64>(0))?
            .map(|id| id.map(|i| i.max(0) as u64))
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Every value of one matter in the job, by field id.
    pub fn items_of(&self, job_id: &str, matter_id: u64) -> Result<Vec<JobItem>, JobStoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM job_items WHERE job_id = ?1 AND matter_id = ?2 ORDER BY field_id"
        ))?;
        let rows = stmt
            .query_map(params![job_id, matter_id as i64], item)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(finish).collect()
    }

    /// Every value of the job, by matter then field.
    pub fn all_items(&self, job_id: &str) -> Result<Vec<JobItem>, JobStoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM job_items WHERE job_id = ?1 ORDER BY matter_id, field_id"
        ))?;
        let rows = stmt
            .query_map(params![job_id], item)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(finish).collect()
    }

    /// The write-ahead mark: `fields` of `matter` are `sent`, in one transaction, and only
    /// while `holder` holds the job's lease. False when the lease was lost (another process
    /// took the job over): then nothing may be sent.
    pub fn mark_sent(
        &self,
        job_id: &str,
        matter_id: u64,
        fields: &[u64],
        holder: &str,
    ) -> Result<bool, JobStoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let held: Option<String> = tx
            .query_row(
                "SELECT holder FROM jobs WHERE id = ?1",
                params![job_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        if held.as_deref() != Some(holder) {
            return Ok(false);
        }
        {
            let mut mark = tx.prepare_cached(
                "UPDATE job_items SET state = 'sent', attempts = attempts + 1, intent_seq = NULL
                 WHERE job_id = ?1 AND matter_id = ?2 AND field_id = ?3 AND state != 'done'",
            )?;
            for field in fields {
                mark.execute(params![job_id, matter_id as i64, *field as i64])?;
            }
        }
        tx.commit()?;
        Ok(true)
    }

    /// The audit sequence numbers of the intents written for sent values of one matter.
    pub fn set_intents(
        &self,
        job_id: &str,
        matter_id: u64,
        intents: &[(u64, u64)],
    ) -> Result<(), JobStoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut set = tx.prepare_cached(
                "UPDATE job_items SET intent_seq = ?4
                 WHERE job_id = ?1 AND matter_id = ?2 AND field_id = ?3",
            )?;
            for (field, seq) in intents {
                set.execute(params![
                    job_id,
                    matter_id as i64,
                    *field as i64,
                    *seq as i64
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Values decided: `done` with their outcomes (and the instance written, for rollback),
    /// in one transaction.
    pub fn record_all(&self, job_id: &str, records: &[Record]) -> Result<(), JobStoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut record = tx.prepare_cached(
                "UPDATE job_items SET state = 'done', outcome = ?4, reason = ?5,
                                      value_id = COALESCE(?6, value_id), created = ?7
                 WHERE job_id = ?1 AND matter_id = ?2 AND field_id = ?3",
            )?;
            for r in records {
                record.execute(params![
                    job_id,
                    r.matter_id as i64,
                    r.field_id as i64,
                    r.outcome.as_str(),
                    r.reason,
                    r.value_id,
                    r.created as i64
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Sent values found not applied (their answer was lost before Clio applied them):
    /// pending again, to be written from a fresh read.
    pub fn reopen_all(
        &self,
        job_id: &str,
        matter_id: u64,
        fields: &[u64],
    ) -> Result<(), JobStoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut reopen = tx.prepare_cached(
                "UPDATE job_items SET state = 'pending'
                 WHERE job_id = ?1 AND matter_id = ?2 AND field_id = ?3 AND state = 'sent'",
            )?;
            for field in fields {
                reopen.execute(params![job_id, matter_id as i64, *field as i64])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Counts per outcome, per value, and matters decided.
    pub fn counts(&self, job_id: &str) -> Result<JobCounts, JobStoreError> {
        let conn = self.conn();
        let mut counts = JobCounts::default();
        let mut stmt = conn.prepare_cached(
            "SELECT outcome, COUNT(*) FROM job_items WHERE job_id = ?1 GROUP BY outcome",
        )?;
        let rows = stmt.query_map(params![job_id], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (outcome, n) = row?;
            let n = n.max(0) as u64;
            counts.total += n;
            if let Some(o) = outcome.as_deref().and_then(Outcome::parse) {
                *counts.slot(o) += n;
                counts.done += n;
            }
        }
        let (matters, open): (i64, i64) = conn.query_row(
            "SELECT COUNT(DISTINCT matter_id),
                    COUNT(DISTINCT CASE WHEN state != 'done' THEN matter_id END)
             FROM job_items WHERE job_id = ?1",
            params![job_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        counts.matters = matters.max(0) as u64;
        counts.matters_done = (matters - open).max(0) as u64;
        Ok(counts)
    }

    /// Up to `limit` values that did not land, after the (matter, field) `after`.
    pub fn problems(
        &self,
        job_id: &str,
        after: Option<(u64, u64)>,
        limit: usize,
    ) -> Result<Vec<JobItem>, JobStoreError> {
        let (m, f) = after.map_or((-1, -1), |(m, f)| (m as i64, f as i64));
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM job_items
             WHERE job_id = ?1 AND state = 'done' AND outcome NOT IN ('changed', 'unchanged')
               AND (matter_id > ?2 OR (matter_id = ?2 AND field_id > ?3))
             ORDER BY matter_id, field_id LIMIT ?4"
        ))?;
        let rows = stmt
            .query_map(params![job_id, m, f, limit as i64], item)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(finish).collect()
    }
}

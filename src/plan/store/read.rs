//! Reading a plan's items: counts, pages of change sets, everything in hash order.

use rusqlite::params;

use super::{PlanStore, StoreError};
use crate::plan::model::{ItemClass, PlanCounts, PlanItem};

impl PlanStore {
    /// Matters the plan changes that a webhook delivery said changed since it was proposed;
    /// none when no webhook was ever received (the deliveries are advisory: a failure to read
    /// them is logged, not raised).
    pub fn changed_since_proposal(&self, plan_id: &str) -> Result<Vec<u64>, StoreError> {
        let header = self.header(plan_id)?;
        let Ok(since) = chrono::DateTime::parse_from_rfc3339(&header.created_at) else {
            return Ok(Vec::new());
        };
        let since = since
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let changed = crate::webhooks::WebhookStore::open(self.path())
            .and_then(|hooks| hooks.matters_changed_since(&since));
        match changed {
            Ok(ids) if ids.is_empty() => Ok(Vec::new()),
            Ok(ids) => self.changing_among(plan_id, &ids),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the webhook deliveries");
                Ok(Vec::new())
            }
        }
    }

    /// Which of `ids` the plan would change (has items of class `change` for), in order.
    pub fn changing_among(
        &self,
        plan_id: &str,
        ids: &std::collections::BTreeSet<u64>,
    ) -> Result<Vec<u64>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT 1 FROM plan_items WHERE plan_id = ?1 AND matter_id = ?2 AND class = 'change'
             LIMIT 1",
        )?;
        let mut out = Vec::new();
        for id in ids {
            if stmt.exists(params![plan_id, *id as i64])? {
                out.push(*id);
            }
        }
        Ok(out)
    }

    /// Item counts per class, matters read, and matters with at least one change.
    pub fn counts(&self, plan_id: &str) -> Result<PlanCounts, StoreError> {
        let conn = self.conn();
        let mut counts = PlanCounts::default();
        let mut by_class = conn.prepare_cached(
            "SELECT class, COUNT(*) FROM plan_items WHERE plan_id = ?1 GROUP BY class",
        )?;
        let rows = by_class.query_map(params![plan_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (class, n) = row?;
            if let Some(class) = ItemClass::parse(&class) {
                *counts.slot(class) = n.max(0) as u64;
            }
        }
        let distinct = |sql: &str| -> Result<u64, rusqlite::Error> {
            conn.query_row(sql, params![plan_id], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
        };
        // A matter Clio did not return has an item (so a person sees it) but was not read:
        // only read matters carry the etag they were read with.
        counts.matters_scanned = distinct(
            "SELECT COUNT(DISTINCT matter_id) FROM plan_items
             WHERE plan_id = ?1 AND json_extract(item, '$.matter_etag') IS NOT NULL",
        )?;
        counts.matters_with_changes = distinct(
            "SELECT COUNT(DISTINCT matter_id) FROM plan_items WHERE plan_id = ?1 AND class = 'change'",
        )?;
        Ok(counts)
    }

    /// Up to `limit` matters after `after` that have items of `classes`, each with those items
    /// ordered by field id: a change set never splits across pages.
    pub fn matter_page(
        &self,
        plan_id: &str,
        classes: &[ItemClass],
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Vec<PlanItem>>, StoreError> {
        let conn = self.conn();
        let class_list = classes
            .iter()
            .map(|c| format!("'{}'", c.as_str()))
            .collect::<Vec<_>>()
            .join(",");
        // The class names are our own constants, never caller text, so inlining them is safe.
        let mut matters = conn.prepare(&format!(
            "SELECT DISTINCT matter_id FROM plan_items
             WHERE plan_id = ?1 AND class IN ({class_list}) AND matter_id > ?2
             ORDER BY matter_id LIMIT ?3"
        ))?;
        let ids: Vec<i64> = matters
            .query_map(
                params![plan_id, after.map_or(-1, |a| a as i64), limit as i64],
                |r| r.get(0),
            )?
            .collect::<Result<_, _>>()?;
        let mut items = conn.prepare(&format!(
            "SELECT item FROM plan_items
             WHERE plan_id = ?1 AND matter_id = ?2 AND class IN ({class_list})
             ORDER BY field_id"
        ))?;
        let mut page = Vec::with_capacity(ids.len());
        for id in ids {
            let set: Vec<PlanItem> = items
                .query_map(params![plan_id, id], |r| r.get::<_, String>(0))?
                .map(|json| Ok(serde_json::from_str(&json?)?))
                .collect::<Result<_, StoreError>>()?;
            page.push(set);
        }
        Ok(page)
    }

    /// Every item of the plan, ordered by matter then field: the order the hash covers.
    pub fn all_items(&self, plan_id: &str) -> Result<Vec<PlanItem>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT item FROM plan_items WHERE plan_id = ?1 ORDER BY matter_id, field_id",
        )?;
        let items = stmt
            .query_map(params![plan_id], |r| r.get::<_, String>(0))?
            .map(|json| Ok(serde_json::from_str(&json?)?))
            .collect::<Result<_, StoreError>>()?;
        Ok(items)
    }
}

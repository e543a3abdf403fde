//! The field definitions, kept for a minute: each read tool call and each proposal needs them,
//! and at 50 requests a minute one request per call is a real share of the budget.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::clio::types::CustomField;
use crate::clio::{ClioClient, ClioError};

/// How long definitions are reused before they are read again.
pub const FIELD_CACHE_TTL: Duration = Duration::from_secs(60);

/// Definitions and when they were read.
type Held = (Instant, Arc<Vec<CustomField>>);

/// Shared by every clone (one per process); `tokio::time` so tests can pause the clock.
#[derive(Clone)]
pub struct FieldCache {
    client: ClioClient,
    ttl: Duration,
    held: Arc<Mutex<Option<Held>>>,
}

impl FieldCache {
    pub fn new(client: ClioClient, ttl: Duration) -> FieldCache {
        FieldCache {
            client,
            ttl,
            held: Arc::new(Mutex::new(None)),
        }
    }

    /// The matter field definitions, from the cache when younger than the TTL. Callers that
    /// arrive together wait for one read instead of each sending their own.
    pub async fn matter_fields(&self) -> Result<Arc<Vec<CustomField>>, ClioError> {
        let mut held = self.held.lock().await;
        if let Some((at, fields)) = held.as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(fields.clone());
        }
        let fields = Arc::new(super::matter_fields(&self.client).await?);
        *held = Some((Instant::now(), fields.clone()));
        Ok(fields)
    }

    /// Reads the definitions now (the inventory tool always shows the current ones) and keeps
    /// them for the others.
    pub async fn refresh(&self) -> Result<Arc<Vec<CustomField>>, ClioError> {
        let mut held = self.held.lock().await;
        let fields = Arc::new(super::matter_fields(&self.client).await?);
        *held = Some((Instant::now(), fields.clone()));
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clio::RetryPolicy;
    use crate::sandbox::{Sandbox, SandboxOptions};
    use std::num::NonZeroU32;

    fn definition_reads(sb: &Sandbox) -> u64 {
        sb.stats()
            .by_endpoint
            .iter()
            .filter(|(k, _)| k.contains("custom_fields"))
            .map(|(_, n)| *n)
            .sum()
    }

    #[tokio::test]
    async fn definitions_are_reused_within_the_ttl_and_read_again_after_it() {
        let sb = Sandbox::start(SandboxOptions {
            matters: 5,
            rate_limit: 60_000,
            ..Default::default()
        })
        .await
        .unwrap();
        let rate = NonZeroU32::new(60_000).unwrap();
        let client = ClioClient::new(&sb.clio_config(rate).unwrap(), RetryPolicy::fast()).unwrap();
        let cache = FieldCache::new(client, FIELD_CACHE_TTL);
        let first = cache.matter_fields().await.unwrap();
        let again = cache.matter_fields().await.unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(definition_reads(&sb), 1);
        // The clock is paused only to jump past the TTL: the sandbox serves over real sockets,
        // which must run on real time.
        tokio::time::pause();
        tokio::time::advance(FIELD_CACHE_TTL - Duration::from_secs(1)).await;
        tokio::time::resume();
        let still = cache.matter_fields().await.unwrap();
        assert!(
            Arc::ptr_eq(&first, &still),
            "59 s later the definitions are reused"
        );
        tokio::time::pause();
        tokio::time::advance(Duration::from_secs(2)).await;
        tokio::time::resume();
        let later = cache.matter_fields().await.unwrap();
        assert!(!Arc::ptr_eq(&first, &later));
        assert_eq!(definition_reads(&sb), 2);
        sb.stop().await;
    }
}

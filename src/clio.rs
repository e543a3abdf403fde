//! The single Clio client: limiter, retries, paging, errors, and the API types.

pub mod account;
pub mod auth;
pub mod client;
pub mod documents;
pub mod error;
mod etag_cache;
mod exchange;
pub mod limiter;
pub mod matters;
pub mod metrics;
pub mod oauth;
pub mod paging;
mod rate_headers;
pub mod request;
pub mod retry;
pub mod storage;
pub mod types;
pub mod webhooks;
pub mod writes;

pub use client::{ApiResponse, ClioClient};
pub use error::ClioError;
pub use limiter::{LimiterStatus, Priority, RateLimitHeaders, RateLimiter};
pub use metrics::MetricsSnapshot;
pub use oauth::{TokenGrant, TokenPersistence};
pub use request::ApiRequest;
pub use reqwest::Method;
pub use retry::RetryPolicy;

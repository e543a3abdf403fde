//! The single Clio client: limiter, retries, paging, errors, and the API types.

pub mod account;
pub mod auth;
pub mod client;
pub mod documents;
pub mod error;
pub mod limiter;
pub mod matters;
pub mod metrics;
pub mod paging;
pub mod request;
pub mod retry;
pub mod types;

pub use client::{ApiResponse, ClioClient};
pub use error::ClioError;
pub use limiter::{LimiterStatus, RateLimitHeaders, RateLimiter};
pub use metrics::MetricsSnapshot;
pub use request::ApiRequest;
pub use reqwest::Method;
pub use retry::RetryPolicy;

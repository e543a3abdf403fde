//! The single Clio client: limiter, retries, paging, errors, and the API types.

pub mod field_type;

pub use field_type::FieldType;
pub mod error;
pub mod limiter;

pub use error::ClioError;
pub use limiter::{LimiterStatus, RateLimitHeaders, RateLimiter};

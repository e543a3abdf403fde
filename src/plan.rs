//! Normalization plans: proposals read from Clio, classified, stored in SQLite, reviewed
//! before anything is written.

pub mod export;
pub mod model;

pub use model::{ItemClass, PlanCounts, PlanField, PlanHeader, PlanItem, PlanSource, PlanStatus};
pub mod store;

pub use store::{PlanStore, StoreError, state_db};
pub mod classify;
pub mod digest;
pub mod propose;
pub mod request;
pub mod view;
